"""Print alarms to a terminal (rich) or any text stream."""

from __future__ import annotations

import sys
from typing import TextIO

from backfire.model import Alarm
from backfire.warn.alerts.base import render_long

_STYLES = {"watch": "yellow", "warning": "bold dark_orange", "critical": "bold red"}


class ConsoleChannel:
    """Writes each alarm, its message and examples, to `stream` (standard error by default)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None, color: bool = True) -> None:
        self.stream = stream
        self.color = color

    def send(self, alarm: Alarm) -> None:
        from rich.console import Console

        out = self.stream or sys.stderr
        console = Console(file=out, highlight=False, no_color=not self.color, soft_wrap=True)
        console.print(render_long(alarm), style=_STYLES.get(alarm.severity, ""), markup=False)

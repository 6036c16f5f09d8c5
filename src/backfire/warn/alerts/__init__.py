"""Where alarms go: the console, a webhook, Slack and e-mail.

Every channel has `send(alarm)`, raising `AlertError` when delivery fails for good; `send_alarm` sends
one alarm to many channels and reports each outcome instead of stopping at the first failure.

>>> from datetime import datetime, UTC
>>> from backfire.model import Alarm
>>> alarm = Alarm(at=datetime(2014, 4, 22, 20, 5, tzinfo=UTC), severity="warning", hostile_share=0.58,
...               share_before=0.12, campaign="myNYPD", triggers=["activist"])
>>> print(render_text(alarm))
[WARNING] myNYPD at 2014-04-22T20:05:00Z: hostile share 12% -> 58%; first accounts: @activist
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backfire.model import Alarm
from backfire.warn.alerts.base import AlertError, Channel, render_text
from backfire.warn.alerts.console import ConsoleChannel
from backfire.warn.alerts.email import EmailChannel
from backfire.warn.alerts.webhook import SlackChannel, WebhookChannel

__all__ = ["AlertError", "Channel", "ConsoleChannel", "Delivery", "EmailChannel", "SlackChannel",
           "WebhookChannel", "render_text", "send_alarm"]


@dataclass(frozen=True)
class Delivery:
    """The outcome of sending one alarm to one channel."""

    channel: str
    ok: bool
    error: str = ""


def send_alarm(alarm: Alarm, channels: Iterable[Channel]) -> list[Delivery]:
    """Send `alarm` to every channel; a failing channel does not stop the others."""
    results = []
    for channel in channels:
        try:
            channel.send(alarm)
            results.append(Delivery(channel.name, True))
        except AlertError as exc:
            results.append(Delivery(channel.name, False, str(exc)))
    return results

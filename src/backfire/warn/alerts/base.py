"""What every alert channel shares: the interface, the error, and the one-line text of an alarm."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from backfire.model import Alarm


class AlertError(RuntimeError):
    """Delivery failed for good (after any retries)."""


@runtime_checkable
class Channel(Protocol):
    """Delivers alarms somewhere. `name` identifies the channel in delivery reports."""

    name: str

    def send(self, alarm: Alarm) -> None: ...


def render_text(alarm: Alarm) -> str:
    """One line: severity, campaign, time, the shift and the first accounts."""
    at = alarm.at.isoformat().replace("+00:00", "Z")
    who = ", ".join(f"@{t}" for t in alarm.triggers[:3]) or "unknown"
    return (f"[{alarm.severity.upper()}] {alarm.campaign or 'campaign'} at {at}: hostile share "
            f"{alarm.share_before:.0%} -> {alarm.hostile_share:.0%}; first accounts: {who}")


def render_long(alarm: Alarm) -> str:
    """The text line, the detector's message, and the example posts."""
    lines = [render_text(alarm)]
    if alarm.message:
        lines.append(alarm.message)
    for post_id, text in zip(alarm.example_ids, alarm.examples, strict=False):
        lines.append(f"  - {text} ({post_id})")
    return "\n".join(lines)

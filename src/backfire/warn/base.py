"""The detector interface: feed verdicts one at a time, read alarms as they fire."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from backfire.model import Alarm, Campaign, Post, Verdict


@runtime_checkable
class Detector(Protocol):
    """A sequential test over a campaign's stream of (post, verdict) pairs in time order.

    `update` returns the alarm raised by this item, or None; `alarm` is the latest alarm raised, and
    `alarms` all of them. State is small and serialisable (pickle), so a watcher can restart.
    """

    name: str
    campaign: Campaign | None
    alarm: Alarm | None
    alarms: list[Alarm]

    def update(self, post: Post, verdict: Verdict) -> Alarm | None: ...

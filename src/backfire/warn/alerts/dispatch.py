"""Alarms delivered off the pipeline's path: one queue and one worker thread per channel.

`Dispatcher.submit` only enqueues, so a webhook that never answers (10 s per attempt, retried) cannot stall
classification and detection, and one slow channel cannot hold back another. Channels that do not retry
on their own (e-mail) are retried here with a backoff. `close(wait)` gives the queues at most `wait`
seconds to drain and returns what happened to every delivery: sent, failed, or still pending when the
wait ran out (the worker threads are daemons: an exiting process does not wait for them).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from backfire.model import Alarm, Post
from backfire.warn.alerts import AlertError, Channel, Delivery


@dataclass
class AlertSummary:
    """What became of the deliveries of a run: one per alarm and channel."""

    alarms: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0  # not finished when the wait at exit ran out
    errors: list[str] = field(default_factory=list)

    @property
    def all_failed(self) -> bool:
        """Alarms were raised and channels named, but not one delivery succeeded."""
        return self.sent == 0 and (self.failed + self.pending) > 0

    def line(self) -> str:
        total = self.sent + self.failed + self.pending
        text = f"Alerts: {self.sent} of {total} deliveries sent ({self.alarms} alarm(s))"
        if self.failed:
            text += f", {self.failed} failed"
        if self.pending:
            text += f", {self.pending} still pending when the wait at exit ran out"
        return text + (": NO ALERT WAS DELIVERED" if self.all_failed else "")


class Dispatcher:
    """Send alarms to `channels` from worker threads; `on_failure` hears each failed delivery."""

    def __init__(self, channels: Iterable[Channel], on_failure: Callable[[Delivery], None] | None = None,
                 retries: int = 2, backoff: float = 1.0) -> None:
        self.channels = list(channels)
        self.on_failure = on_failure
        self.retries = retries
        self.backoff = backoff
        self.summary = AlertSummary()
        self._lock = threading.Lock()
        self._queues: list[queue.Queue[Alarm | None]] = []
        self._threads: list[threading.Thread] = []
        for channel in self.channels:
            q: queue.Queue[Alarm | None] = queue.Queue()
            thread = threading.Thread(target=self._work, args=(channel, q), name=f"alerts-{channel.name}",
                                      daemon=True)
            thread.start()
            self._queues.append(q)
            self._threads.append(thread)

    def submit(self, alarm: Alarm) -> None:
        """Queue `alarm` for every channel; returns at once."""
        with self._lock:
            self.summary.alarms += 1
            self.summary.pending += len(self._queues)
        for q in self._queues:
            q.put(alarm)

    def hook(self, alarm: Alarm, post: Post) -> None:
        """The pipeline hook: `submit`."""
        self.submit(alarm)

    def _deliver(self, channel: Channel, alarm: Alarm) -> Delivery:
        tries = 1 if hasattr(channel, "retries") else 1 + self.retries  # webhooks retry on their own
        error = ""
        for attempt in range(tries):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                channel.send(alarm)
                return Delivery(channel.name, True)
            except AlertError as exc:
                error = str(exc)
            except Exception as exc:  # a channel's bug must not kill its worker: report it as a failure
                error = f"{channel.name}: {type(exc).__name__}: {exc}"
        return Delivery(channel.name, False, error)

    def _work(self, channel: Channel, q: queue.Queue[Alarm | None]) -> None:
        while (alarm := q.get()) is not None:
            delivery = self._deliver(channel, alarm)
            with self._lock:
                self.summary.pending -= 1
                if delivery.ok:
                    self.summary.sent += 1
                else:
                    self.summary.failed += 1
                    self.summary.errors.append(delivery.error)
            if not delivery.ok and self.on_failure is not None:
                self.on_failure(delivery)

    def close(self, wait: float = 15.0) -> AlertSummary:
        """Stop taking alarms and give the queued ones at most `wait` seconds in all to go out."""
        for q in self._queues:
            q.put(None)
        deadline = time.monotonic() + wait
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            return AlertSummary(self.summary.alarms, self.summary.sent, self.summary.failed, self.summary.pending,
                                list(self.summary.errors))

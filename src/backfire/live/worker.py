"""Run the posts hook (the pipeline) off the event loop, in order, with a bounded backlog.

Classification can take longer than the network takes to deliver a batch. Run on the event loop,
it would stop the watcher from answering pings and the server would drop it. Here committed batches
are handed to one worker thread, in commit order; when more than `max_backlog` batches wait, the
watcher stops reading until the pipeline catches up (the server buffers, nothing is lost), so memory
stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class HookWorker(Generic[T]):
    """Feeds committed batches to `hook` in a worker thread, one at a time, in order.

    A batch is whatever the watcher submits: a list of posts for one campaign, or (campaign, posts)
    when one watcher serves several (`live.many`)."""

    def __init__(self, hook: Callable[[T], Any], max_backlog: int = 4) -> None:
        self.hook = hook
        self.max_backlog = max_backlog
        self.error: BaseException | None = None
        self._queue: deque[T] = deque()
        self._busy = False
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[Any] | None = None

    def __repr__(self) -> str:
        return f"HookWorker(hook={self.hook!r}, max_backlog={self.max_backlog})"

    @property
    def backlog(self) -> int:
        """Batches waiting or being processed."""
        return len(self._queue) + int(self._busy)

    def start(self) -> None:
        """Start the consumer on the running loop."""
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._consume())

    def submit(self, batch: T) -> None:
        """Queue a committed batch (never blocks)."""
        self._queue.append(batch)
        if self._wake is not None:
            self._wake.set()

    async def wait_below(self, limit: int) -> None:
        """Wait until at most `limit` batches are pending."""
        while self.backlog > limit and self._task is not None and not self._task.done():
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        """Process what is queued, then stop."""
        await self.wait_below(0)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _consume(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = self._queue.popleft()
                self._busy = True
                try:
                    await asyncio.to_thread(self.hook, batch)
                except Exception as exc:  # the hook reports its own failures; never lose the watcher
                    self.error = exc
                finally:
                    self._busy = False

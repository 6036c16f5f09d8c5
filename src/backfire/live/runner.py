"""The machinery every live source shares: connect, read, batch, commit, reconnect, stop.

A `Watcher` drives one `StreamSource` (Jetstream, Mastodon) against one store:

- frames are decoded by the source into `Decoded` events (posts plus the cursor they advance to);
- posts and the cursor are committed together (`store.add_posts(..., cursor=...)`) every
  `batch_size` posts or `batch_ms` milliseconds, so a crash at any moment loses nothing and a
  restart stores nothing twice;
- a dropped connection is re-opened with jittered, capped exponential backoff, resuming from the
  cursor; a server that sends nothing for `stall_timeout` seconds is treated as dropped;
- a frame that cannot be decoded is counted and quarantined, never fatal;
- SIGINT/SIGTERM, `max_events` and `idle_exit` end the run after committing the current batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from typing import Any

import httpx
import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from backfire.live.base import (
    Decoded,
    Malformed,
    PostsHook,
    Reporter,
    StreamSource,
    WatchError,
    WatchStats,
)
from backfire.live.batch import Backoff, Committer, RecentKeys, Sink
from backfire.live.timeline import USER_AGENT, TransientError
from backfire.live.worker import HookWorker
from backfire.store.base import Gap, Store


class Stalled(Exception):
    """The server sent nothing for longer than the stall timeout."""


#: Errors after which the watcher reconnects instead of giving up.
RETRYABLE: tuple[type[BaseException], ...] = (
    OSError, ConnectionClosed, InvalidHandshake, TimeoutError, httpx.HTTPError, TransientError, Stalled,
)


class Watcher:
    """Watch one live source into `store` for `campaign` until stopped.

    `on_posts` receives every newly committed batch of posts (the processing pipeline hooks in
    here); `reporter` receives a status line and the running counts a few times a second.
    """

    def __init__(
        self,
        source: StreamSource,
        store: Store,
        campaign: str,
        *,
        batch_size: int = 500,
        batch_ms: int = 500,
        max_events: int | None = None,
        idle_exit: float | None = None,
        heartbeat: float = 20.0,
        backoff: Backoff | None = None,
        on_posts: PostsHook | None = None,
        reporter: Reporter | None = None,
        handle_signals: bool = True,
    ) -> None:
        self.source = source
        self.store = store
        self.campaign = campaign
        self.batch_size = batch_size
        self.batch_ms = batch_ms
        self.max_events = max_events
        self.idle_exit = idle_exit
        self.heartbeat = heartbeat
        self.backoff = backoff or Backoff()
        self.on_posts = on_posts
        self.reporter = reporter
        self.handle_signals = handle_signals
        self.stats = WatchStats(source=source.name)
        self.recent = RecentKeys()
        self.worker: HookWorker[Any] | None = HookWorker(on_posts) if on_posts is not None else None
        self.committer: Sink = Committer(store, campaign, source.cursor_name, self.stats, batch_size, batch_ms,
                                   self.worker.submit if self.worker else None, self.recent,
                                   source.merge_cursor)
        self.state = "starting"
        self._stop = asyncio.Event()
        self._last_activity = time.monotonic()
        self._paused = False
        self._ws: Any = None

    def __repr__(self) -> str:
        return f"Watcher(source={self.source!r}, campaign={self.campaign!r}, batch_size={self.batch_size})"

    # -- what sources call back ------------------------------------------------------------------
    def accept(self, decoded: Decoded) -> None:
        """Take one decoded event (from the stream or a backfill) into the current batch.

        Once the run is stopping, further events are left for the next run (their cursor is not
        committed), which keeps `max_events` exact.
        """
        if self._stop.is_set():
            return
        self.stats.events += 1
        self.stats.opted_out += decoded.opted_out
        if decoded.skipped:
            self.stats.skipped += 1
        before = self.committer.cursor
        self.committer.add(decoded)
        if self.committer.cursor != before:  # replayed events (the safety margin) are not news
            self._last_activity = time.monotonic()
        if self.max_events is not None and self.stats.events >= self.max_events:
            self.stop("reached --max-events")

    def holds(self, key: str) -> bool:
        """True when the post with `key` is held (seen this session or stored earlier)."""
        return key in self.recent or self.store.get_post(key) is not None

    def record_gap(self, gap: Gap) -> None:
        """Store a stretch of the stream that could not be recovered and count it."""
        self.committer.flush()
        self.store.add_gap(gap)
        self.stats.gaps.append(gap)

    def quarantine(self, frame: str | bytes, reason: str) -> None:
        """Count a frame or record that could not be read and keep it in the quarantine."""
        self.stats.events += 1
        self.stats.malformed += 1
        self.committer.quarantine(self.source.quarantine_record(frame, reason, self.cursor))

    def set_state(self, text: str, *, paused: bool = False) -> None:
        """Show `text` as the status; `paused` stops the idle clock (e.g. waiting for a rate limit)."""
        if self._paused and not paused:  # a wait is over: the idle clock starts again from now
            self._last_activity = time.monotonic()
        self.state = text
        self._paused = paused
        self._report()

    def stop(self, reason: str = "stopped") -> None:
        """Ask the run to end: the current batch is committed first."""
        self.stats.stop_reason = self.stats.stop_reason or reason
        self._stop.set()

    @property
    def cursor(self) -> str | None:
        """The latest cursor (committed or about to be), falling back to the stored one."""
        return self.committer.cursor or self.store.get_cursor(self.source.cursor_name)

    # -- the run ---------------------------------------------------------------------------------
    async def run(self) -> WatchStats:
        """Watch until stopped; commit what is pending and return the counts."""
        self.committer.start(self.store.get_cursor(self.source.cursor_name))
        self._install_signals()
        if self.worker is not None:
            self.worker.start()
        main = asyncio.create_task(self._connect_loop())
        ticker = asyncio.create_task(self._tick())
        stopper = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait({main, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await self._close_connection()
            for task in (main, ticker, stopper):
                task.cancel()
            for task in (main, ticker, stopper):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self.committer.flush()
            if self.worker is not None:
                self.set_state("pipeline finishing the last batches")
                await self.worker.close()
            self._remove_signals()
            await self.source.close()
        if main.done() and not main.cancelled() and main.exception() is not None:
            raise main.exception()  # type: ignore[misc]
        self.state = f"stopped ({self.stats.stop_reason or 'done'})"
        self._report()
        return self.stats

    async def _connect_loop(self) -> None:
        """Connect, read until the connection fails, wait, and connect again."""
        while not self._stop.is_set():
            try:
                await self._session()
            except InvalidStatus as exc:
                self._raise_if_refused(exc)
                await self._wait_before_retry(exc)
            except RETRYABLE as exc:
                if self._stop.is_set():
                    return
                await self._wait_before_retry(exc)

    async def _close_connection(self) -> None:
        """Close the open websocket politely (the server sees a normal close), or cut it."""
        ws, self._ws = self._ws, None
        if ws is None:
            return
        try:
            await asyncio.wait_for(ws.close(), timeout=0.5)
        except Exception:
            ws.transport.abort()

    async def _session(self) -> None:
        """One connection: open it, let the source catch up, then read frames until it fails."""
        await self.source.prepare()
        cursor = self.source.resume_from(self.cursor)
        url = self.source.stream_url(cursor)
        self.set_state(f"connecting to {self.source.display_url}")
        async with websockets.connect(
            url,
            additional_headers=self.source.headers(),
            ping_interval=self.heartbeat,
            ping_timeout=self.heartbeat,
            open_timeout=10,
            close_timeout=2,
            max_size=2**22,
            compression=None,
            user_agent_header=USER_AGENT,
        ) as ws:
            self._ws = ws
            self.source.connected(cursor)
            self.set_state("catching up")
            await self.source.after_connect(ws, self)
            self.set_state(f"streaming from {self.source.display_url}")
            await self._read(ws)

    async def _read(self, ws: Any) -> None:
        """Read frames until the connection closes or stalls."""
        first = True
        while not self._stop.is_set():
            try:
                frame = await asyncio.wait_for(ws.recv(), timeout=self.source.stall_timeout)
            except TimeoutError as exc:
                raise Stalled(f"no data for {self.source.stall_timeout:g} s") from exc
            if first:
                self.backoff.reset()
                first = False
            self._handle_frame(frame)
            if self.worker is not None and self.worker.backlog > self.worker.max_backlog:
                await self._wait_for_pipeline()

    def _handle_frame(self, frame: str | bytes) -> None:
        try:
            decoded = self.source.decode(frame, self)
        except Malformed as exc:
            self.quarantine(frame, str(exc))
            return
        except Exception as exc:  # a record no mapping foresaw must not end the watch
            self.quarantine(frame, f"could not decode ({type(exc).__name__}: {exc})")
            return
        gap = self.source.check_gap(decoded)
        if gap is not None:
            self.record_gap(gap)
        self.accept(decoded)

    async def _wait_for_pipeline(self) -> None:
        """Stop reading while the pipeline catches up (the server keeps what we have not read)."""
        assert self.worker is not None
        state = self.state
        self.set_state(f"pipeline catching up ({self.worker.backlog} batches waiting)", paused=True)
        await self.worker.wait_below(self.worker.max_backlog // 2)
        self.set_state(state)

    async def _wait_before_retry(self, exc: BaseException) -> None:
        self.committer.flush()
        self.stats.reconnects += 1
        delay = self.backoff.next()
        reason = str(exc) or type(exc).__name__
        self.set_state(f"connection lost ({reason[:80]}); reconnecting in {delay:.1f} s")
        await asyncio.sleep(delay)

    def _raise_if_refused(self, exc: InvalidStatus) -> None:
        code = exc.response.status_code
        if code in (401, 403):
            raise WatchError(
                f"{self.source.display_url} refused the stream (HTTP {code}); pass a valid --token"
            ) from exc

    # -- housekeeping ----------------------------------------------------------------------------
    async def _tick(self) -> None:
        """Commit batches that are due by age, end idle runs and refresh the status line."""
        while True:
            await asyncio.sleep(0.05)
            if self.committer.due():
                self.committer.flush()
            self._check_idle()
            self._report(throttle=True)

    def _check_idle(self) -> None:
        if self.idle_exit is None or self._paused:
            return
        if time.monotonic() - self._last_activity >= self.idle_exit:
            self.stop(f"no events for {self.idle_exit:g} s (--idle-exit)")

    _last_report = 0.0

    def _report(self, throttle: bool = False) -> None:
        if self.reporter is None:
            return
        now = time.monotonic()
        if throttle and now - self._last_report < 0.25:
            return
        self._last_report = now
        self.reporter(self.state, self.stats)

    def _install_signals(self) -> None:
        if not self.handle_signals:
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.stop, f"received {signal.Signals(sig).name}")

    def _remove_signals(self) -> None:
        if not self.handle_signals:
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


def watch(source: StreamSource, store: Store, campaign: str, **options: Any) -> WatchStats:
    """Run a `Watcher` to completion in a fresh event loop (the library entry point)."""
    return asyncio.run(Watcher(source, store, campaign, **options).run())


__all__ = ["Decoded", "Malformed", "Stalled", "WatchStats", "Watcher", "watch"]

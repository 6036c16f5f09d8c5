"""Loopback replay servers for the live sources, shipped for tests, benchmarks and demos.

- `JetstreamReplay`: a Jetstream websocket replaying recorded-shaped events (cursor,
  wantedCollections, zstd with a dictionary, scripted drops, stalls, malformed frames and bursts).
- `MastodonFake`: a Mastodon instance's hashtag streaming websocket and hashtag timeline REST API
  (pagination, Link headers, rate-limit headers, 429s).
- `ServerThread`: runs either in a background thread with its own event loop, so a watcher in
  another process (or a blocking caller) can use it.

They listen on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from backfire.live.replay.events import ListLog, SyntheticJetstream, mastodon_status, read_jsonl
from backfire.live.replay.jetstream import JetstreamReplay, JetstreamScript
from backfire.live.replay.mastodon import MastodonFake

T = TypeVar("T")


class _Server(Protocol):
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str: ...

    async def stop(self) -> None: ...


class ServerThread:
    """Run a replay server in a daemon thread; `url` is set once it listens.

    >>> from backfire.live.replay import SyntheticJetstream, JetstreamReplay
    >>> with ServerThread(JetstreamReplay(SyntheticJetstream(10))) as st:
    ...     st.url.startswith("ws://127.0.0.1:")
    True
    """

    def __init__(self, server: _Server, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = server
        self.host = host
        self.port = port
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="replay-server", daemon=True)

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> str:
        self._thread.start()
        self.url = self.run(self.server.start(self.host, self.port))
        return self.url

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Call `fn(*args)` on the server's loop (e.g. `MastodonFake.publish`) and wait for it."""

        async def _call() -> T:
            return fn(*args)

        return self.run(_call())

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self.run(self.server.stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


__all__ = [
    "JetstreamReplay",
    "JetstreamScript",
    "ListLog",
    "MastodonFake",
    "ServerThread",
    "SyntheticJetstream",
    "mastodon_status",
    "read_jsonl",
]

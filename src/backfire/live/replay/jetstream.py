"""A loopback Jetstream: replays an `EventLog` over a websocket the way Jetstream serves it.

It honours `cursor` (events at or after that `time_us`; a cursor older than the replay window starts
at the oldest event still held) and `wantedCollections` (identity and account events always pass),
compresses with zstd when asked (`compress=true`, against `dictionary`), and can be scripted to
misbehave: drop connection k after `drop_after[k]` events, stall after `stall_after` events, insert a
malformed frame every `malformed_every` events, and pace events at `rate` per second.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import websockets
import zstandard
from websockets.asyncio.server import Server, ServerConnection

from backfire.live.replay.events import EventLog

_MALFORMED: tuple[str, ...] = (
    '{"did": "did:plc:broken", "time_us": 17637',  # cut short
    "[1, 2, 3]",
    '{"did": "did:plc:x", "kind": "commit"}',  # no time_us
    "not json at all",
)


@dataclass
class JetstreamScript:
    """How the replay server should behave (all off by default)."""

    drop_after: list[int] = field(default_factory=list)
    stall_after: int | None = None
    malformed_every: int | None = None
    rate: float | None = None
    oldest: int = 0
    dictionary: bytes | None = None


class JetstreamReplay:
    """The server. `await start()` returns its `ws://127.0.0.1:PORT/subscribe` URL."""

    def __init__(self, log: EventLog, script: JetstreamScript | None = None) -> None:
        self.log = log
        self.script = script or JetstreamScript()
        self.connections = 0
        self.sent = 0
        self.malformed_sent = 0
        self.queries: list[dict[str, list[str]]] = []
        self.url = ""
        self._server: Server | None = None
        self._stalled = False

    def __repr__(self) -> str:
        return f"JetstreamReplay(log={self.log!r}, url={self.url!r})"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = await websockets.serve(self._serve, host, port, compression=None, close_timeout=1)
        bound = self._server.sockets[0].getsockname()
        self.url = f"ws://{bound[0]}:{bound[1]}/subscribe"
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, ws: ServerConnection) -> None:
        number = self.connections
        self.connections += 1
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        self.queries.append(query)
        start = self._start_index(query)
        wanted = set(query.get("wantedCollections", []))
        encode = self._encoder(query)
        limit = self.script.drop_after[number] if number < len(self.script.drop_after) else None
        try:
            await self._replay(ws, start, wanted, encode, limit)
        except websockets.ConnectionClosed:
            return
        await ws.wait_closed()

    def _start_index(self, query: dict[str, list[str]]) -> int:
        cursor = query.get("cursor", [""])[0]
        start = self.log.index_at(int(cursor)) if cursor.isdigit() else 0
        return max(start, self.script.oldest)

    def _encoder(self, query: dict[str, list[str]]) -> Any:
        if query.get("compress", ["false"])[0].lower() != "true":
            return lambda text: text
        data = self.script.dictionary
        compressor = zstandard.ZstdCompressor(
            level=3, dict_data=zstandard.ZstdCompressionDict(data) if data else None
        )
        return lambda text: compressor.compress(text.encode("utf-8"))

    async def _replay(self, ws: ServerConnection, start: int, wanted: set[str], encode: Any,
                      limit: int | None) -> None:
        """Send events from `start`, following the script; return when the log is exhausted."""
        pace = _Pacer(self.script.rate)
        count = 0
        for index in range(start, len(self.log)):
            event = self.log.event(index)
            if not _wanted(event, wanted):
                continue
            if limit is not None and count >= limit:
                ws.transport.abort()  # a dropped connection, not a polite close
                return
            if self._should_stall(count):
                await ws.wait_closed()
                return
            await self._maybe_malformed(ws, index, encode)
            await ws.send(encode(json.dumps(event, separators=(",", ":"))))
            count += 1
            self.sent += 1
            await pace.wait(count)

    def _should_stall(self, count: int) -> bool:
        if self.script.stall_after is None or self._stalled or count < self.script.stall_after:
            return False
        self._stalled = True
        return True

    async def _maybe_malformed(self, ws: ServerConnection, index: int, encode: Any) -> None:
        every = self.script.malformed_every
        if not every or index % every != every - 1:
            return
        bad = _MALFORMED[(index // every) % len(_MALFORMED)]
        await ws.send(encode(bad))
        self.malformed_sent += 1


class _Pacer:
    """Sleeps so that event n goes out no earlier than n / rate seconds after the start."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.t0 = time.monotonic()

    async def wait(self, sent: int) -> None:
        if not self.rate:
            if sent % 256 == 0:
                await asyncio.sleep(0)
            return
        ahead = self.t0 + sent / self.rate - time.monotonic()
        if ahead > 0.004:
            await asyncio.sleep(ahead)


def _wanted(event: dict[str, Any], wanted: set[str]) -> bool:
    if not wanted or event.get("kind") != "commit":
        return True
    return (event.get("commit") or {}).get("collection") in wanted

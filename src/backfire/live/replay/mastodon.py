"""A loopback Mastodon instance: the hashtag streaming websocket and the hashtag timeline REST API.

One port serves both: `/api/v1/streaming?stream=hashtag&tag=T` upgrades to a websocket (more tags
with `{"type": "subscribe", ...}` messages), `/api/v1/timelines/tag/T` answers with statuses paged
by `max_id` / `since_id` / `min_id` / `limit`, a `Link` header, and `X-RateLimit-*` headers; it
answers 429 when the window's requests are used up (or when `force_429` says so).

Tests drive it with `publish(status)` (stored and pushed to matching streams), `drop_streams()`,
and the `streaming_down` switch (the websocket refuses with 503 while it is on).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import websockets
from websockets.asyncio.server import Server, ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

TIMELINE = "/api/v1/timelines/tag/"
STREAMING = "/api/v1/streaming"
INSTANCE = "/api/v2/instance"


class MastodonFake:
    """The fake instance; `await start()` returns its `http://127.0.0.1:PORT` base URL."""

    def __init__(
        self,
        *,
        token: str | None = None,
        rate_limit: int = 300,
        window_s: float = 300.0,
        max_limit: int = 40,
    ) -> None:
        self.token = token
        self.rate_limit = rate_limit
        self.window_s = window_s
        self.max_limit = max_limit
        self.statuses: list[dict[str, Any]] = []
        self.streaming_down = False
        self.force_429 = 0
        self.retry_after_s = 1.0
        self.rest_requests: list[str] = []
        self.stream_connections = 0
        self.instance_requests = 0
        self.base_url = ""
        self._remaining = rate_limit
        self._window_end = datetime.now(UTC) + timedelta(seconds=window_s)
        self._streams: dict[ServerConnection, tuple[set[str], asyncio.Queue[str]]] = {}
        self._server: Server | None = None

    def __repr__(self) -> str:
        return f"MastodonFake(base_url={self.base_url!r}, statuses={len(self.statuses)})"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = await websockets.serve(self._stream, host, port, process_request=self._route,
                                              compression=None, close_timeout=1)
        bound = self._server.sockets[0].getsockname()
        self.base_url = f"http://{bound[0]}:{bound[1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # -- what tests do -----------------------------------------------------------------------------
    def publish(self, status: dict[str, Any]) -> None:
        """Add a status and push it to every stream that follows one of its tags."""
        self.statuses.append(status)
        self.statuses.sort(key=lambda s: int(s["id"]))
        tags = {t["name"].casefold() for t in status.get("tags", [])}
        for followed, queue in self._streams.values():
            for tag in sorted(tags & followed):
                message = {"stream": ["hashtag", tag], "event": "update", "payload": json.dumps(status)}
                queue.put_nowait(json.dumps(message))

    def send_raw(self, text: str) -> None:
        """Push a raw frame (e.g. a malformed one) to every open stream."""
        for _, queue in self._streams.values():
            queue.put_nowait(text)

    def drop_streams(self) -> None:
        """Cut every open streaming connection, as a network failure would."""
        for ws in list(self._streams):
            ws.transport.abort()

    # -- streaming ---------------------------------------------------------------------------------
    async def _stream(self, ws: ServerConnection) -> None:
        self.stream_connections += 1
        query = parse_qs(urlsplit(ws.request.path if ws.request else "").query)
        followed = {t.casefold() for t in query.get("tag", [])}
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._streams[ws] = (followed, queue)
        writer = asyncio.create_task(self._write(ws, queue))
        try:
            async for message in ws:
                self._subscribe(followed, message)
        except websockets.ConnectionClosed:
            pass
        finally:
            writer.cancel()
            self._streams.pop(ws, None)

    async def _write(self, ws: ServerConnection, queue: asyncio.Queue[str]) -> None:
        while True:
            text = await queue.get()
            try:
                await ws.send(text)
            except websockets.ConnectionClosed:
                return

    @staticmethod
    def _subscribe(followed: set[str], message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return
        if isinstance(data, dict) and data.get("stream") == "hashtag" and isinstance(data.get("tag"), str):
            if data.get("type") == "subscribe":
                followed.add(data["tag"].casefold())
            elif data.get("type") == "unsubscribe":
                followed.discard(data["tag"].casefold())

    # -- HTTP --------------------------------------------------------------------------------------
    def _route(self, ws: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if not self._authorised(request):
            return _json(HTTPStatus.UNAUTHORIZED, {"error": "The access token is invalid"})
        if path == STREAMING:
            if self.streaming_down:
                return _json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "streaming is down"})
            return None
        if path.startswith(TIMELINE):
            return self._timeline(request)
        if path == INSTANCE:
            self.instance_requests += 1
            streaming = "ws" + self.base_url[len("http"):]
            return _json(HTTPStatus.OK, {"domain": "127.0.0.1", "configuration": {"urls": {"streaming": streaming}}})
        return _json(HTTPStatus.NOT_FOUND, {"error": "Record not found"})

    def _authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        query = parse_qs(urlsplit(request.path).query)
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return self.token in (given, query.get("access_token", [""])[0])

    def _timeline(self, request: Request) -> Response:
        self.rest_requests.append(request.path)
        limited = self._spend()
        if limited is not None:
            return limited
        parts = urlsplit(request.path)
        tag = unquote(parts.path[len(TIMELINE):]).casefold()
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        page = self._page(tag, query)
        headers = self._limit_headers()
        if page:
            base = f"{self.base_url}{parts.path}"
            limit = query.get("limit", "20")
            headers["Link"] = (
                f'<{base}?{urlencode({"max_id": page[-1]["id"], "limit": limit})}>; rel="next", '
                f'<{base}?{urlencode({"min_id": page[0]["id"], "limit": limit})}>; rel="prev"'
            )
        return _json(HTTPStatus.OK, page, headers)

    def _page(self, tag: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """Newest first; `min_id` takes the statuses just above it, otherwise the newest ones."""
        limit = max(1, min(int(query.get("limit", "20")), self.max_limit))
        lo = max(int(query.get("since_id", "0")), int(query.get("min_id", "0")))
        hi = int(query["max_id"]) if "max_id" in query else None
        chosen = [
            s for s in self.statuses
            if int(s["id"]) > lo and (hi is None or int(s["id"]) < hi)
            and tag in {t["name"].casefold() for t in s.get("tags", [])}
        ]
        chosen = chosen[:limit] if "min_id" in query else chosen[-limit:]
        return list(reversed(chosen))

    def _spend(self) -> Response | None:
        """Use one request of the window; a 429 when none are left or one is forced."""
        now = datetime.now(UTC)
        if now >= self._window_end:
            self._remaining = self.rate_limit
            self._window_end = now + timedelta(seconds=self.window_s)
        if self.force_429 > 0:
            self.force_429 -= 1
            self._remaining = 0
            self._window_end = now + timedelta(seconds=self.retry_after_s)
            return _json(HTTPStatus.TOO_MANY_REQUESTS, {"error": "Too many requests"}, self._limit_headers())
        if self._remaining <= 0:
            return _json(HTTPStatus.TOO_MANY_REQUESTS, {"error": "Too many requests"}, self._limit_headers())
        self._remaining -= 1
        return None

    def _limit_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self._remaining)),
            "X-RateLimit-Reset": self._window_end.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }


def _json(status: HTTPStatus, body: Any, headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(body).encode("utf-8")
    h = Headers({"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(data)),
                 "Connection": "close"})
    for key, value in (headers or {}).items():
        h[key] = value
    return Response(status.value, status.phrase, h, data)

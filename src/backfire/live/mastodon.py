"""Watch Mastodon hashtags: the streaming API live, the hashtag timeline to fill gaps.

The instance's websocket `/api/v1/streaming?stream=hashtag&tag=TAG` pushes `update` events (the
payload is a Status as a JSON string); further tags are added on the same socket with
`{"type": "subscribe", "stream": "hashtag", "tag": ...}`. The stream has no replay, so after every
(re)connect the gap is filled from `GET /api/v1/timelines/tag/:tag`, paging forward from the last
committed status id (minus a safety margin: remote statuses can arrive late with older ids).

Status ids are snowflakes (unix milliseconds in the upper bits): they compare as integers and the
cursor is the largest one committed. A first run (no stored cursor) backfills from `since` when given.
Statuses of accounts that opted out of indexing (#nobot, #nosearch, noindex) are not stored; they
are counted.

>>> src = MastodonSource("https://example.social", ["myNYPD", "nypd"], campaign="nypd")
>>> src.stream_url(None)
'wss://example.social/api/v1/streaming?stream=hashtag&tag=mynypd'
>>> src.merge_cursor("99", "100")
'100'
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import httpx

from backfire.live.base import Decoded, Malformed, StreamSource, WatchError
from backfire.live.timeline import TimelineClient, snowflake_at, snowflake_time
from backfire.model import normalise_tag
from backfire.store.base import Gap

if TYPE_CHECKING:  # pragma: no cover
    from backfire.live.runner import Watcher

STATUS_EVENTS = ("update", "status.update")


class MastodonSource(StreamSource):
    """One Mastodon instance's hashtag streams for the tags of one campaign."""

    name = "mastodon"

    def __init__(
        self,
        base_url: str,
        tags: list[str],
        campaign: str,
        *,
        token: str | None = None,
        page_limit: int = 40,
        max_pages: int = 50,
        margin_ms: int = 60_000,
        stall_timeout: float = 300.0,
        max_wait: float = 900.0,
        streaming_url: str | None = None,
        since: datetime | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not tags:
            raise WatchError("give at least one --tag to watch")
        self.base_url = _http_base(base_url)
        self.tags = [normalise_tag(t) for t in tags]
        self.campaign = campaign
        self.max_pages = max_pages
        self.margin_ms = margin_ms
        self.stall_timeout = stall_timeout
        self._token = token
        self.since = since
        self.streaming_base = _http_base(streaming_url) if streaming_url else None
        self.rest = TimelineClient(self.base_url, token, page_limit=page_limit, max_wait=max_wait,
                                   transport=transport)

    def __repr__(self) -> str:
        return f"MastodonSource(base_url={self.base_url!r}, tags={self.tags!r})"

    # -- connecting ------------------------------------------------------------------------------
    @property
    def cursor_name(self) -> str:
        return f"mastodon:{urlsplit(self.base_url).netloc}:{self.campaign}"

    @property
    def display_url(self) -> str:
        return f"{self.streaming_base or self.base_url}/api/v1/streaming"

    def stream_url(self, cursor: str | None) -> str:
        base = self.streaming_base or self.base_url
        ws_base = "ws" + base[len("http"):] if base.startswith("http") else base
        return f"{ws_base}/api/v1/streaming?" + urlencode({"stream": "hashtag", "tag": self.tags[0]})

    async def prepare(self) -> None:
        """Ask the instance where its streaming server lives (some serve it from another host)."""
        if self.streaming_base is None:
            self.streaming_base = await self.rest.streaming_base() or self.base_url

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def merge_cursor(self, old: str | None, new: str) -> str:
        if old is None:
            return new
        return new if int(new) > int(old) else old

    async def after_connect(self, ws: Any, watcher: Watcher) -> None:
        """Subscribe to the other tags, then fill the gap since the last committed status."""
        for tag in self.tags[1:]:
            await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": tag}))
        cursor = watcher.cursor
        if cursor is not None:
            since = max(0, int(cursor) - (self.margin_ms << 16))
        elif self.since is not None:
            since = snowflake_at(self.since)
        else:
            return
        for tag in self.tags:
            await self._backfill(tag, since, watcher)

    async def close(self) -> None:
        await self.rest.close()

    # -- catching up -----------------------------------------------------------------------------
    async def _backfill(self, tag: str, since: int, watcher: Watcher) -> None:
        """Page forward from `since` until caught up; past `max_pages`, record the rest as a gap."""
        min_id = since
        for _ in range(self.max_pages):
            statuses, next_min = await self.rest.page(tag, min_id, watcher)
            if not statuses:
                return
            for status in sorted(statuses, key=_id_of):
                self._take(status, watcher)
            min_id = max(next_min or 0, max(_id_of(s) for s in statuses))
        watcher.record_gap(Gap(self.name, snowflake_time(min_id), datetime.now(UTC),
                               f"backfill of #{tag} stopped after {self.max_pages} pages"))

    def _take(self, status: dict[str, Any], watcher: Watcher) -> None:
        try:
            decoded = self.decode_status(status)
        except Malformed as exc:
            watcher.quarantine(json.dumps(status)[:300], str(exc))
            return
        watcher.stats.backfilled += len(decoded.posts)
        watcher.accept(decoded)

    # -- reading ---------------------------------------------------------------------------------
    def decode(self, frame: str | bytes, watcher: Watcher) -> Decoded:
        message = _json_object(frame, "message")
        event = message.get("event")
        if event not in STATUS_EVENTS:
            if not isinstance(event, str):
                raise Malformed("message has no event name")
            return Decoded(skipped=True)
        payload = message.get("payload")
        status = _json_object(payload, "payload") if isinstance(payload, (str, bytes)) else payload
        if not isinstance(status, dict):
            raise Malformed("update without a Status payload")
        return self.decode_status(status)

    def decode_status(self, status: dict[str, Any]) -> Decoded:
        """One Status (from the stream or the timeline) as an event; opted-out accounts are counted."""
        from backfire.sources.errors import SourceError
        from backfire.sources.mastodon import opted_out, to_post

        status_id = status.get("id")
        if not isinstance(status_id, str) or not status_id.isdigit():
            raise Malformed("status has no numeric id")
        account = status.get("account")
        if isinstance(account, dict) and opted_out(account):
            return Decoded(cursor=status_id, opted_out=1)
        try:
            post = to_post(status)
        except (SourceError, ValueError, KeyError, TypeError) as exc:
            raise Malformed(f"status could not be mapped: {exc}") from exc
        return Decoded(posts=[post], cursor=status_id)


def _json_object(data: str | bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise Malformed(f"{what} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not a JSON object")
    return value


def _id_of(status: dict[str, Any]) -> int:
    value = status.get("id")
    return int(value) if isinstance(value, str) and value.isdigit() else 0


def _http_base(url: str) -> str:
    """`https://host[/]`, `wss://host` or a bare host -> `https://host` (no trailing slash)."""
    text = url.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    scheme, rest = text.split("://", 1)
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}"

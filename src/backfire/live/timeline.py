"""Mastodon's hashtag timeline over REST, paged forward and within the rate limit.

`GET /api/v1/timelines/tag/:hashtag?min_id=X&limit=40` returns the statuses immediately newer than
X (newest first within the page); the `Link` header's `rel="prev"` URL carries the `min_id` of the
next page forward. Mastodon reports its rate limit in `X-RateLimit-Remaining` and
`X-RateLimit-Reset` (an ISO 8601 time) and answers 429 when it is exhausted; we then wait until the
reset, showing the wait as such.

>>> snowflake_time(115500000000000001).year
2025
>>> snowflake_at(snowflake_time(115500000000000001)) <= 115500000000000001
True
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from backfire import __version__
from backfire.live.base import WatchError

if TYPE_CHECKING:  # pragma: no cover
    from backfire.live.runner import Watcher


USER_AGENT = f"backfire/{__version__}"


class TransientError(Exception):
    """A REST answer that is worth retrying after reconnecting (5xx, a body that is not a list)."""


def snowflake_time(status_id: int | str) -> datetime:
    """When a Mastodon (snowflake) status id was made: its upper bits are unix milliseconds."""
    return datetime.fromtimestamp((int(status_id) >> 16) / 1000, tz=UTC)


def snowflake_at(when: datetime) -> int:
    """The smallest snowflake id made at `when`."""
    return int(when.timestamp() * 1000) << 16


class TimelineClient:
    """Pages through one instance's hashtag timelines, waiting out rate limits."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        page_limit: int = 40,
        max_wait: float = 900.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.page_limit = page_limit
        self.max_wait = max_wait
        headers = {"User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=15.0,
                                       transport=transport)
        self.remaining: int | None = None
        self.reset_at: datetime | None = None

    def __repr__(self) -> str:
        return f"TimelineClient(base_url={self.base_url!r}, page_limit={self.page_limit})"

    async def page(self, tag: str, min_id: int, watcher: Watcher) -> tuple[list[dict[str, Any]], int | None]:
        """The statuses right after `min_id` on #tag, and the `min_id` of the next page (if linked)."""
        while True:
            await self._respect_limit(watcher)
            response = await self._http.get(
                f"/api/v1/timelines/tag/{quote(tag, safe='')}",
                params={"min_id": str(min_id), "limit": str(self.page_limit)},
            )
            self._note_limit(response)
            if response.status_code == 429:
                self.remaining = 0
                continue
            return self._statuses(response), _next_min_id(response)

    async def streaming_base(self) -> str | None:
        """The streaming server's URL as the instance announces it (`/api/v2/instance`), if it does."""
        try:
            response = await self._http.get("/api/v2/instance")
            data = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return None
        urls = ((data.get("configuration") or {}).get("urls") or {}) if isinstance(data, dict) else {}
        value = urls.get("streaming") if isinstance(urls, dict) else None
        return value.rstrip("/") if isinstance(value, str) and "://" in value else None

    async def close(self) -> None:
        await self._http.aclose()

    def _statuses(self, response: httpx.Response) -> list[dict[str, Any]]:
        if response.status_code in (401, 403):
            raise WatchError(f"{self.base_url} refused the hashtag timeline (HTTP {response.status_code});"
                             " pass a valid --token")
        if response.status_code >= 400:
            raise TransientError(f"hashtag timeline answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise TransientError("hashtag timeline answered with something that is not JSON") from exc
        if not isinstance(data, list):
            raise TransientError("hashtag timeline answered with something that is not a list")
        return [s for s in data if isinstance(s, dict)]

    def _note_limit(self, response: httpx.Response) -> None:
        """Remember what the rate-limit headers (or a 429's Retry-After) say."""
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining is not None and remaining.strip().lstrip("-").isdigit():
            self.remaining = int(remaining)
        reset = _parse_reset(response.headers.get("X-RateLimit-Reset"))
        retry_after = response.headers.get("Retry-After")
        if reset is None and retry_after and retry_after.strip().isdigit():
            reset = datetime.now(UTC) + timedelta(seconds=int(retry_after))
        if reset is None and response.status_code == 429:
            reset = datetime.now(UTC) + timedelta(seconds=60)
        if reset is not None:
            self.reset_at = reset

    async def _respect_limit(self, watcher: Watcher) -> None:
        """When the limit is used up, wait until it resets, and say so on the status line."""
        if self.remaining is None or self.remaining > 0 or self.reset_at is None:
            return
        wait = (self.reset_at - datetime.now(UTC)).total_seconds()
        if wait > 0:
            until = self.reset_at.astimezone().strftime("%H:%M:%S")
            watcher.stats.rate_limit_waits += 1
            watcher.set_state(f"waiting for rate limit until {until}", paused=True)
            await asyncio.sleep(min(wait, self.max_wait))
            watcher.set_state("catching up")
        self.remaining = None


def _parse_reset(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        if text.isdigit():  # some servers send epoch seconds
            return datetime.fromtimestamp(int(text), tz=UTC)
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _next_min_id(response: httpx.Response) -> int | None:
    """The `min_id` of the Link header's `rel="prev"` page (the next page forward in time)."""
    link = response.links.get("prev")
    if not link or "url" not in link:
        return None
    values = parse_qs(urlsplit(link["url"]).query).get("min_id")
    if not values or not values[0].isdigit():
        return None
    return int(values[0])

"""Watch Bluesky through Jetstream: posts and reposts carrying the campaign's tags.

Jetstream (bluesky-social/jetstream) serves the network's commits as JSON over a websocket. We ask
for `app.bsky.feed.post` and `app.bsky.feed.repost` only (`wantedCollections`), filter to the
campaign's tags on our side (facet tags and `#words` in the text, case-insensitive), and keep a
repost when what it reposts is a post the campaign already holds.

The cursor is the event's `time_us` (unix microseconds). On a reconnect or restart we ask for
`?cursor=<last committed time_us minus a safety margin>`; the replayed margin is deduplicated by id.
When the first event after resuming is much later than the cursor, the server's replay window no
longer reached back far enough: that stretch is recorded as a gap.

A first run (no stored cursor) starts at the live tail, or at `since` when given.

With `compress=True` frames are zstd-compressed against a dictionary; Jetstream publishes the one
it uses and it must be given as a file (`dictionary=`).

>>> src = JetstreamSource(["myNYPD"], campaign="nypd", url="ws://127.0.0.1:9/subscribe")
>>> src.stream_url("1700000000000000")  # doctest: +NORMALIZE_WHITESPACE
'ws://127.0.0.1:9/subscribe?wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost&cursor=1700000000000000'
>>> src.matches({"text": "Proud of the #mynypd team", "facets": []})
True
>>> src.matches({"text": "Proud of the team", "tags": ["MyNYPD"]})
True
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import zstandard

from backfire.live.base import Decoded, Malformed, StreamSource, WatchError
from backfire.model import normalise_tag
from backfire.store.base import Gap

if TYPE_CHECKING:  # pragma: no cover
    from backfire.live.runner import Watcher

JETSTREAM_URL = "wss://jetstream2.us-east.bsky.network/subscribe"
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
COLLECTIONS = (POST, REPOST)
TAG_FEATURE = "app.bsky.richtext.facet#tag"
_TEXT_TAG = re.compile(r"(?<![\w&#])[#＃](\w+)")


class JetstreamSource(StreamSource):
    """Jetstream as a `StreamSource` for the tags of one campaign."""

    name = "jetstream"

    def __init__(
        self,
        tags: list[str],
        campaign: str,
        url: str = JETSTREAM_URL,
        *,
        compress: bool = False,
        dictionary: bytes | str | Path | None = None,
        margin_us: int = 2_000_000,
        gap_after_s: float = 10.0,
        stall_timeout: float = 30.0,
        since: datetime | None = None,
    ) -> None:
        if not tags:
            raise WatchError("give at least one --tag to watch")
        self.tags = [normalise_tag(t) for t in tags]
        self.campaign = campaign
        self.url = url
        self.compress = compress
        self.margin_us = margin_us
        self.gap_after_s = gap_after_s
        self.stall_timeout = stall_timeout
        self.since = since
        self._wanted = set(self.tags)
        self._decompressor = _decompressor(dictionary) if compress else None
        self._resumed_from: int | None = None
        self._held_until: int | None = None

    def __repr__(self) -> str:
        return f"JetstreamSource(tags={self.tags!r}, url={self.url!r}, compress={self.compress})"

    # -- connecting ------------------------------------------------------------------------------
    @property
    def cursor_name(self) -> str:
        return f"jetstream:{self.campaign}"

    @property
    def display_url(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"

    def stream_url(self, cursor: str | None) -> str:
        params: list[tuple[str, str]] = [("wantedCollections", c) for c in COLLECTIONS]
        if cursor is not None:
            params.append(("cursor", cursor))
        if self.compress:
            params.append(("compress", "true"))
        sep = "&" if "?" in self.url else "?"
        return self.url + sep + urlencode(params)

    def resume_from(self, cursor: str | None) -> str | None:
        if cursor is None:
            self._held_until = int(self.since.timestamp() * 1_000_000) if self.since else None
            return None if self._held_until is None else str(self._held_until)
        self._held_until = int(cursor)
        return str(max(0, int(cursor) - self.margin_us))

    def connected(self, cursor: str | None) -> None:
        self._resumed_from = self._held_until

    def merge_cursor(self, old: str | None, new: str) -> str:
        if old is None:
            return new
        return new if int(new) > int(old) else old

    # -- reading ---------------------------------------------------------------------------------
    def decode(self, frame: str | bytes, watcher: Watcher) -> Decoded:
        event, cursor, created = self.created(frame)
        if created is None:
            return Decoded(cursor=cursor, skipped=True)
        collection, record = created
        if collection == POST:
            if not self.matches(record):
                return Decoded(cursor=cursor, skipped=True)
            return Decoded(posts=[_to_post(event)], cursor=cursor)
        repost = _to_post(event)
        if repost.repost_of and watcher.holds(f"{repost.platform}:{repost.repost_of}"):
            return Decoded(posts=[repost], cursor=cursor)
        return Decoded(cursor=cursor, skipped=True)

    def created(self, frame: str | bytes) -> tuple[dict[str, Any], str, tuple[str, dict[str, Any]] | None]:
        """The event of `frame`, its cursor, and (collection, record) when it creates a post or a repost
        (None for anything else); `Malformed` for a frame that is not a Jetstream event or a create
        without its record."""
        event = self._parse(frame)
        cursor = str(event["time_us"])
        commit = event.get("commit")
        if event.get("kind") != "commit" or not isinstance(commit, dict):
            return event, cursor, None
        if commit.get("operation") != "create" or commit.get("collection") not in COLLECTIONS:
            return event, cursor, None
        record = commit.get("record")
        if not isinstance(record, dict):
            raise Malformed("commit create without a record")
        return event, cursor, (str(commit["collection"]), record)

    def matches(self, record: dict[str, Any]) -> bool:
        """True when the post record carries one of the campaign's tags (facets, `tags`, or text)."""
        return not self._wanted.isdisjoint(record_tags(record))

    def check_gap(self, decoded: Decoded) -> Gap | None:
        """After resuming, a first event far past the cursor means the server could not go back."""
        if self._resumed_from is None or decoded.cursor is None:
            return None
        start, self._resumed_from = self._resumed_from, None
        first = int(decoded.cursor)
        if first - start <= self.gap_after_s * 1_000_000:
            return None
        return Gap(self.name, _when(start), _when(first),
                   "the server's replay window no longer reached back to the cursor")

    def _parse(self, frame: str | bytes) -> dict[str, Any]:
        if isinstance(frame, bytes):
            frame = self._inflate(frame)
        try:
            event = json.loads(frame)
        except ValueError as exc:
            raise Malformed(f"not JSON: {exc}") from exc
        if not isinstance(event, dict):
            raise Malformed("event is not a JSON object")
        time_us = event.get("time_us")
        if not isinstance(time_us, int) or isinstance(time_us, bool) or time_us <= 0:
            raise Malformed("event has no integer time_us")
        return event

    def _inflate(self, frame: bytes) -> str:
        if self._decompressor is None:
            try:
                return frame.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise Malformed("binary frame, but compression was not asked for") from exc
        try:
            return self._decompressor.decompress(frame, max_output_size=1 << 22).decode("utf-8")
        except (zstandard.ZstdError, UnicodeDecodeError) as exc:
            raise Malformed(f"zstd frame could not be decompressed: {exc}") from exc


def record_tags(record: dict[str, Any]) -> set[str]:
    """Every tag a post record carries, normalised: its facets' tags, its own `tags`, `#words` in its text.

    >>> sorted(record_tags({"text": "Proud #MyNYPD", "tags": ["Extra"], "facets": []}))
    ['extra', 'mynypd']
    """
    listed = record.get("tags")
    extra = [t for t in listed if isinstance(t, str)] if isinstance(listed, list) else []
    tags = {normalise_tag(tag) for tag in _facet_tags(record) + extra}
    text = record.get("text")
    if isinstance(text, str):
        tags.update(normalise_tag(t) for t in _TEXT_TAG.findall(text))
    return tags


def _facet_tags(record: dict[str, Any]) -> list[str]:
    """The tags of a post record's `app.bsky.richtext.facet#tag` features."""
    tags = []
    for facet in record.get("facets") or ():
        for feature in (facet or {}).get("features") or () if isinstance(facet, dict) else ():
            if isinstance(feature, dict) and feature.get("$type") == TAG_FEATURE:
                tag = feature.get("tag")
                if isinstance(tag, str):
                    tags.append(tag)
    return tags


def _to_post(event: dict[str, Any]) -> Any:
    """Map with the Jetstream source's pure function; a record it rejects is malformed."""
    from backfire.sources.errors import SourceError
    from backfire.sources.jetstream import to_post

    try:
        return to_post(event)
    except (SourceError, ValueError, KeyError, TypeError) as exc:
        raise Malformed(f"record could not be mapped: {exc}") from exc


def _decompressor(dictionary: bytes | str | Path | None) -> zstandard.ZstdDecompressor:
    if dictionary is None:
        raise WatchError(
            "--compress needs the zstd dictionary Jetstream publishes: pass --zstd-dictionary PATH"
        )
    data = dictionary if isinstance(dictionary, bytes) else Path(dictionary).read_bytes()
    return zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(data))


def _when(time_us: int) -> datetime:
    return datetime.fromtimestamp(time_us / 1_000_000, tz=UTC)

"""One stream connection shared by many campaigns: each post routed to every campaign whose tags it carries.

A `SharedJetstream` reads Jetstream once for the union of the campaigns' tags; a `SharedMastodon`
opens one hashtag streaming socket on an instance and subscribes it to every campaign's tags. Each
decoded event names, per post, the campaigns it goes to (`Decoded.routes`); `live.many.ManyWatcher`
then commits each campaign's posts with that campaign's own cursor.

A repost goes to the campaigns of the post it reposts: the ones it was routed to earlier in this
session, else the campaigns whose tags the stored original carries. A post routed to no campaign
is skipped.

>>> r = Router({"nypd": ["myNYPD"], "both": ["myNYPD", "SkyLuxury"], "sky": ["skyluxury"]})
>>> sorted(r.for_tags({"mynypd"}))
['both', 'nypd']
>>> sorted(r.for_tags({"skyluxury", "other"}))
['both', 'sky']
>>> r.for_tags({"other"})
frozenset()
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from backfire.live.base import Decoded, StreamSource, WatchError
from backfire.live.jetstream import JETSTREAM_URL, POST, JetstreamSource, _to_post, record_tags
from backfire.live.mastodon import MastodonSource
from backfire.model import Post, normalise_tag

if TYPE_CHECKING:  # pragma: no cover
    from backfire.live.runner import Watcher

NOWHERE: frozenset[str] = frozenset()


class Router:
    """Which campaigns a post belongs to, by its tags; remembers recent routes for their reposts."""

    def __init__(self, campaigns: Mapping[str, Iterable[str]], remember: int = 50_000) -> None:
        self.campaigns = {name: sorted({normalise_tag(t) for t in tags}) for name, tags in campaigns.items()}
        if not self.campaigns:
            raise WatchError("give at least one campaign to watch")
        for name, tags in self.campaigns.items():
            if not tags:
                raise WatchError(f"campaign {name!r} has no tag to watch")
        self.by_tag: dict[str, set[str]] = {}
        for name, tags in self.campaigns.items():
            for tag in tags:
                self.by_tag.setdefault(tag, set()).add(name)
        self.remember = remember
        self._seen: OrderedDict[str, frozenset[str]] = OrderedDict()

    def __repr__(self) -> str:
        return f"Router(campaigns={self.campaigns!r})"

    @property
    def tags(self) -> list[str]:
        """Every tag of every campaign, once, in a stable order."""
        return sorted(self.by_tag)

    def for_tags(self, tags: Iterable[str]) -> frozenset[str]:
        """The campaigns following any of `tags` (normalised)."""
        names: set[str] = set()
        for tag in tags:
            names.update(self.by_tag.get(tag, ()))
        return frozenset(names)

    def route(self, post: Post, names: frozenset[str]) -> frozenset[str]:
        """Note that `post` went to `names` (its reposts follow it) and return them."""
        if names:
            self._note(post.key, names)
        return names

    def of_original(self, key: str, watcher: Watcher) -> frozenset[str]:
        """The campaigns of the post with `key`: routed this session, else by the stored post's tags."""
        known = self._seen.get(key)
        if known is not None:
            self._seen.move_to_end(key)
            return known
        original = watcher.store.get_post(key)
        if original is None:
            return NOWHERE
        names = self.for_tags(normalise_tag(t) for t in original.hashtags)
        if not names:  # a stored original whose record named its tag only in the text
            names = self.for_tags(record_tags({"text": original.text}))
        if names:
            self._note(key, names)
        return names

    def _note(self, key: str, names: frozenset[str]) -> None:
        self._seen[key] = names
        self._seen.move_to_end(key)
        if len(self._seen) > self.remember:
            self._seen.popitem(last=False)


class SharedJetstream(JetstreamSource):
    """Jetstream for several campaigns at once: one websocket, posts routed by their tags."""

    def __init__(self, campaigns: Mapping[str, Iterable[str]], url: str = JETSTREAM_URL, **options: Any) -> None:
        self.router = Router(campaigns)
        super().__init__(self.router.tags, "+".join(self.router.campaigns), url, **options)

    def __repr__(self) -> str:
        return f"SharedJetstream(campaigns={sorted(self.router.campaigns)!r}, url={self.url!r})"

    def lane_cursor_name(self, campaign: str) -> str:
        """Where `campaign`'s cursor is stored: the same key a single-campaign watch uses."""
        return f"jetstream:{campaign}"

    def decode(self, frame: str | bytes, watcher: Watcher) -> Decoded:
        event, cursor, created = self.created(frame)
        if created is None:
            return Decoded(cursor=cursor, skipped=True)
        collection, record = created
        if collection == POST:
            names = self.router.for_tags(record_tags(record))
            if not names:
                return Decoded(cursor=cursor, skipped=True)
            post = _to_post(event)
            return Decoded(posts=[post], cursor=cursor, routes=[self.router.route(post, names)])
        repost = _to_post(event)
        names = self.router.of_original(f"{repost.platform}:{repost.repost_of}", watcher) \
            if repost.repost_of else NOWHERE
        if not names:
            return Decoded(cursor=cursor, skipped=True)
        return Decoded(posts=[repost], cursor=cursor, routes=[names])


class SharedMastodon(MastodonSource):
    """One Mastodon instance's hashtag stream for several campaigns: one socket, every campaign's tags."""

    def __init__(self, base_url: str, campaigns: Mapping[str, Iterable[str]], **options: Any) -> None:
        self.router = Router(campaigns)
        super().__init__(base_url, self.router.tags, "+".join(self.router.campaigns), **options)

    def __repr__(self) -> str:
        return f"SharedMastodon(base_url={self.base_url!r}, campaigns={sorted(self.router.campaigns)!r})"

    def lane_cursor_name(self, campaign: str) -> str:
        """Where `campaign`'s cursor is stored: the same key a single-campaign watch uses."""
        return f"mastodon:{urlsplit(self.base_url).netloc}:{campaign}"

    def decode_status(self, status: dict[str, Any]) -> Decoded:
        decoded = super().decode_status(status)
        if not decoded.posts:
            return decoded
        post = decoded.posts[0]
        names = self.router.route(post, self.router.for_tags(normalise_tag(t) for t in post.hashtags))
        if not names:
            return Decoded(cursor=decoded.cursor, skipped=True)
        decoded.routes = [names]
        return decoded


SharedSource = SharedJetstream | SharedMastodon


def shared_source(
    name: str,
    campaigns: Mapping[str, Iterable[str]],
    url: str | None = None,
    *,
    token: str | None = None,
    compress: bool = False,
    dictionary: bytes | str | Path | None = None,
    since: datetime | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> SharedSource:
    """The shared source for `name` ("jetstream" or "mastodon") following every campaign's tags."""
    if name == "jetstream":
        return SharedJetstream(campaigns, url or JETSTREAM_URL, compress=compress, dictionary=dictionary,
                               since=since)
    if name == "mastodon":
        if not url:
            raise WatchError("--source mastodon needs --url, the instance to watch (e.g. https://mastodon.social)")
        return SharedMastodon(url, campaigns, token=token, since=since, transport=transport)
    raise WatchError(f"unknown source {name!r}: choose jetstream or mastodon")


def is_shared(source: StreamSource) -> bool:
    """True for a source that routes posts to several campaigns."""
    return isinstance(source, SharedJetstream | SharedMastodon)

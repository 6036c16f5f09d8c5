"""Bluesky Jetstream events (the JSON form of the AT Protocol firehose), one per line.

Posts (`app.bsky.feed.post`) and reposts (`app.bsky.feed.repost`) from `kind: commit` events with
operation `create` become posts, and with `update` later versions of them (`edited_at`: the event time);
a `delete` commit of either is a `Deletion` (`to_deletion`); identity and account events and other
collections (likes, follows...) raise `UnknownRecord`.

- `id` is the record's `at://{did}/{collection}/{rkey}` URI; `platform` is "bluesky".
- The author's `handle` and `id` are the DID: Jetstream events carry no handle and no follower count.
- Hashtags, mentions (as DIDs) and links come from the richtext facets (`#tag`, `#mention`, `#link`;
  their `byteStart`/`byteEnd` index the UTF-8 bytes of the text) and the record's own `tags`.
- `reply.parent.uri` -> `reply_to`; an `app.bsky.embed.record` -> `quote_of`; images and video (from
  `app.bsky.embed.images`/`video` or the media half of `recordWithMedia`) -> `media` with their alt text.
  A blob has no URL of its own: `media.url` is the Bluesky CDN address built from the DID and the
  blob's CID, `https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg` (video: the
  `video.bsky.app` playlist).
- `created_at` is the record's `createdAt`, else the event's `time_us`.
- A post with no text of its own reads the alt text of its images or video and the title and description
  of its link card as its text (so an image-only post can be judged); a quote with nothing of its own
  (no text, no media, no card) is a repost of what it quotes (`repost_of`) and takes its verdict.

Writing (`to_raw`, used by the simulator) keeps Bluesky-shaped posts as they are. Posts from elsewhere
first pass through `native`, which gives every author a DID (`account`) and every post the
`at://` URI it will be read back with, and points reposts, replies and quotes at those URIs: written
one by one, a repost would name its original by an id the reader never gives it, and every cascade
would come apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from zlib import crc32

from backfire.model import Author, Deletion, Media, Post
from backfire.sources._common import (
    as_dict,
    as_list,
    hashtags_in,
    iso_z,
    mapping,
    need,
    need_object,
    parse_time,
    unique,
)
from backfire.sources.errors import SourceError, UnknownRecord

NAME = "jetstream"
DESCRIPTION = "Bluesky Jetstream events (app.bsky.feed.post and repost commits), one per line"
PLATFORM = "bluesky"

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
TAG, MENTION, LINK = ("app.bsky.richtext.facet#" + k for k in ("tag", "mention", "link"))
IMAGE_URL = "https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg"
VIDEO_URL = "https://video.bsky.app/watch/{did}/{cid}/playlist.m3u8"
_CDN = re.compile(r"^https://(?:cdn\.bsky\.app/img/\w+/plain|video\.bsky\.app/watch)/[^/]+/([a-z0-9]+)")


def sniff(raw: dict[str, Any]) -> bool:
    """True for any Jetstream event (commit, identity or account)."""
    return isinstance(raw.get("did"), str) and "time_us" in raw and "kind" in raw


def records(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Each Jetstream event is one record."""
    return [raw]


def iter_posts(raw: dict[str, Any]) -> Iterator[Post]:
    """Yield the post in `raw`."""
    yield to_post(raw)


@mapping
def to_post(raw: dict[str, Any]) -> Post:
    """Map one Jetstream commit event for a post or repost to a `Post`."""
    did, commit = need(raw, "did", "event"), _commit(raw)
    collection, record = commit["collection"], need_object(commit, "record", "commit")
    common: dict[str, Any] = {
        "id": f"at://{did}/{collection}/{need(commit, 'rkey', 'commit')}",
        "platform": PLATFORM,
        "author": Author(handle=did, id=did),
        "created_at": _created(record, raw),
        "raw": raw,
    }
    if collection == REPOST:
        return Post(**common, repost_of=need(as_dict(record.get("subject")), "uri", "repost subject"))
    text = record.get("text", "")
    if not isinstance(text, str):
        raise SourceError(f"post text of type {type(text).__name__}")
    rich, embed = _richtext(record, text), _embed(record.get("embed"), did)
    rich["urls"] = unique(rich["urls"] + embed.pop("urls", []))
    card = embed.pop("card", "")
    if not text.strip():
        text = "\n\n".join(t for t in [*(m.alt for m in embed.get("media", []) if m.alt), card] if t)
        if not text and not embed.get("media") and embed.get("quote_of"):
            embed["repost_of"] = embed.pop("quote_of")
    if commit["operation"] == "update":
        common["edited_at"] = _event_time(raw)
    return Post(**common, text=text, **rich, **embed,
                reply_to=as_dict(as_dict(record.get("reply")).get("parent")).get("uri"),
                lang=next(iter(as_list(record.get("langs"))), None))


def to_deletion(raw: dict[str, Any]) -> Deletion | None:
    """A delete commit of a post or repost as a `Deletion` of its `at://` URI."""
    commit = as_dict(raw.get("commit"))
    if raw.get("kind") != "commit" or commit.get("operation") != "delete":
        return None
    did, collection, rkey = raw.get("did"), commit.get("collection"), commit.get("rkey")
    if collection not in (POST, REPOST) or not isinstance(did, str) or not isinstance(rkey, str):
        return None
    at = _event_time(raw) if isinstance(raw.get("time_us"), int) else None
    return Deletion(platform=PLATFORM, id=f"at://{did}/{collection}/{rkey}", at=at)


def _event_time(raw: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(need(raw, "time_us", "event")) / 1e6, tz=UTC)


def _commit(raw: dict[str, Any]) -> dict[str, Any]:
    kind = raw.get("kind")
    if kind != "commit":
        raise UnknownRecord(f"jetstream {kind} event")
    commit = need_object(raw, "commit", "event")
    collection, operation = commit.get("collection"), commit.get("operation")
    if collection not in (POST, REPOST):
        raise UnknownRecord(f"jetstream {collection} record")
    if operation not in ("create", "update"):
        raise UnknownRecord(f"jetstream {operation} event for an {collection} record")
    return dict(commit)


def _created(record: dict[str, Any], raw: dict[str, Any]) -> datetime:
    if record.get("createdAt"):
        return parse_time(record["createdAt"])
    return _event_time(raw)


def facets(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """`(feature, value, covered text)` for each facet feature of a post record, in order.

    `feature` is "tag", "mention" or "link"; `value` the tag, DID or URI; `covered text` the slice of
    the post text the facet's UTF-8 byte range covers (e.g. '#myNYPD', '@someone.bsky.social').

    >>> rec = {"text": "مرحبا 👮 #myNYPD", "facets": [{"index": {"byteStart": 16, "byteEnd": 23},
    ...        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "myNYPD"}]}]}
    >>> facets(rec)
    [('tag', 'myNYPD', '#myNYPD')]
    """
    data = str(record.get("text", "")).encode("utf-8")
    found = []
    for facet in as_list(record.get("facets")):
        index = as_dict(as_dict(facet).get("index"))
        covered = data[index.get("byteStart", 0): index.get("byteEnd", 0)].decode("utf-8", "replace")
        for feature in map(as_dict, as_list(as_dict(facet).get("features"))):
            kind = str(feature.get("$type", "")).rpartition("#")[2]
            value = {"tag": feature.get("tag"), "mention": feature.get("did"), "link": feature.get("uri")}
            if kind in value:
                found.append((kind, str(value[kind] or covered).lstrip("#@" if kind != "link" else ""), covered))
    return found


def named_accounts(post: Post) -> dict[str, str]:
    """The accounts `post`'s mention facets name, as {handle (casefolded): DID}. Jetstream names authors by
    DID alone, so a handle given by the user (`detect --owner apple.bsky.social`) can only be matched
    through posts that mention it.

    >>> rec = {"text": "hi @Apple.bsky.social", "facets": [{"index": {"byteStart": 3, "byteEnd": 21},
    ...        "features": [{"$type": MENTION, "did": "did:plc:abc"}]}]}
    >>> event = {"did": "did:plc:me", "commit": {"record": rec}}
    >>> named_accounts(Post(id="1", platform=PLATFORM, author=Author(handle="did:plc:me"),
    ...                     created_at=datetime(2025, 1, 1, tzinfo=UTC), text=rec["text"], raw=event))
    {'apple.bsky.social': 'did:plc:abc'}
    """
    if post.platform != PLATFORM or not isinstance(post.raw, dict):
        return {}
    record = as_dict(as_dict(post.raw.get("commit")).get("record"))
    return {covered[1:].casefold(): did for kind, did, covered in facets(record)
            if kind == "mention" and did.startswith("did:") and covered.startswith("@")}


def _richtext(record: dict[str, Any], text: str) -> dict[str, Any]:
    found = facets(record)
    tags = [v for k, v, _ in found if k == "tag"] + [t for t in as_list(record.get("tags"))]
    if "facets" not in record:  # records written without facets: read tags from the text
        tags = hashtags_in(text) + tags
    return {"hashtags": unique(tags), "mentions": unique(v for k, v, _ in found if k == "mention"),
            "urls": unique(v for k, v, _ in found if k == "link")}


def _embed(embed: Any, did: str) -> dict[str, Any]:
    """quote_of, media and extra urls from a post's embed."""
    embed = as_dict(embed)
    kind = embed.get("$type")
    if kind == "app.bsky.embed.record":
        return {"quote_of": as_dict(embed.get("record")).get("uri")}
    if kind == "app.bsky.embed.recordWithMedia":
        inner = as_dict(as_dict(embed.get("record")).get("record"))
        return {**_embed(embed.get("media"), did), "quote_of": inner.get("uri")}
    if kind == "app.bsky.embed.images":
        return {"media": [_image(i, did) for i in as_list(embed.get("images")) if isinstance(i, dict)]}
    if kind == "app.bsky.embed.video":
        return {"media": [Media(url=VIDEO_URL.format(did=did, cid=blob_cid(embed.get("video"))),
                                type="video", alt=embed.get("alt") or None)]}
    if kind == "app.bsky.embed.external":
        card = as_dict(embed.get("external"))
        words = [str(card.get(k) or "").strip() for k in ("title", "description")]
        return {"urls": [card.get("uri")], "card": "\n".join(w for w in words if w)}
    return {}


def _image(image: dict[str, Any], did: str) -> Media:
    return Media(url=IMAGE_URL.format(did=did, cid=blob_cid(image.get("image"))), alt=image.get("alt") or None)


def blob_cid(blob: Any) -> str:
    """The CID of a blob reference (current `ref.$link` form or the legacy `cid` form)."""
    blob = as_dict(blob)
    cid = as_dict(blob.get("ref")).get("$link") or blob.get("cid")
    if not isinstance(cid, str):
        raise SourceError("image blob has no CID")
    return cid


# ---------------------------------------------------------------- writing (used by the simulator)

def to_raw(post: Post) -> dict[str, Any]:
    """Render `post` as a Jetstream commit event. Bluesky-shaped ids and DIDs are kept as they are;
    others are turned into a DID (`did:plc:<handle>`) and a record key, so the URI then differs."""
    did = _did(post)
    collection = REPOST if post.repost_of is not None else POST
    rkey = _rkey(post.id)
    record = _repost_record(post) if post.repost_of is not None else _post_record(post, did)
    time_us = int(post.created_at.timestamp()) * 1_000_000 + post.created_at.microsecond
    return {"did": did, "time_us": time_us, "kind": "commit",
            "commit": {"rev": rkey, "operation": "create", "collection": collection, "rkey": rkey,
                       "record": record, "cid": fake_cid(post.id, "bafyrei")}}


def _did(post: Post) -> str:
    for candidate in (post.author.id, post.author.handle):
        if candidate and candidate.startswith("did:"):
            return candidate
    return account(post.author.handle)


def account(handle: str) -> str:
    """The DID a post by `handle` is written with (a DID stays as it is): Jetstream events name their
    author by DID alone, so this is how the account reads back.

    >>> account("NYPDnews"), account("Apple"), account("did:plc:abc")
    ('did:plc:nypdnews', 'did:plc:applexxx', 'did:plc:abc')
    """
    if handle.startswith("did:"):
        return handle
    return "did:plc:" + re.sub(r"[^a-z0-9]", "", handle.lower())[:24].ljust(8, "x")


def native(posts: Iterable[Post]) -> Iterator[Post]:
    """`posts` (in time order) as Bluesky records: authors as DIDs, ids as the `at://` URIs the reader
    gives them, and reposts, replies and quotes pointing at those URIs (see the module doc). A post
    referring to one not among `posts` keeps the reference it had.

    >>> from datetime import datetime, UTC
    >>> t = datetime(2025, 1, 1, tzinfo=UTC)
    >>> first = Post(id="1", platform="x", author=Author(handle="ann1"), created_at=t, text="hi #tag")
    >>> again = Post(id="2", platform="x", author=Author(handle="bob1"), created_at=t, repost_of="1")
    >>> [(p.id, p.repost_of) for p in native([first, again])]
    [('at://did:plc:ann1xxxx/app.bsky.feed.post/1', None), ('at://did:plc:bob1xxxx/app.bsky.feed.repost/2', \
'at://did:plc:ann1xxxx/app.bsky.feed.post/1')]
    """
    uris: dict[str, str] = {}
    for post in posts:
        did = _did(post)
        collection = REPOST if post.repost_of is not None else POST
        uri = post.id if post.id.startswith("at://") else f"at://{did}/{collection}/{_rkey(post.id)}"
        uris[post.id] = uri
        yield post.model_copy(update={
            "id": uri, "author": post.author.model_copy(update={"handle": did, "id": did}),
            **{ref: uris.get(target, target) for ref in ("repost_of", "reply_to", "quote_of")
               if (target := getattr(post, ref)) is not None},
        })


def _rkey(post_id: str) -> str:
    if post_id.startswith("at://"):
        return post_id.rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._~-]", "", post_id)[:64] or "self"


def fake_cid(seed: str, prefix: str = "bafkrei") -> str:
    """A deterministic CID-shaped string for records and blobs we write ourselves."""
    return prefix + format(crc32(seed.encode()), "08x") + format(crc32(seed[::-1].encode()), "08x")


def _repost_record(post: Post) -> dict[str, Any]:
    return {"$type": REPOST, "createdAt": iso_z(post.created_at),
            "subject": {"uri": post.repost_of, "cid": fake_cid(str(post.repost_of), "bafyrei")}}


def _post_record(post: Post, did: str) -> dict[str, Any]:
    record: dict[str, Any] = {"$type": POST, "text": post.text, "createdAt": iso_z(post.created_at)}
    if post.lang:
        record["langs"] = [post.lang]
    record["facets"] = _render_facets(post)
    if _outside_text(post):
        record["tags"] = _outside_text(post)
    if post.reply_to:
        ref = {"uri": post.reply_to, "cid": fake_cid(post.reply_to, "bafyrei")}
        record["reply"] = {"root": ref, "parent": ref}
    embed = _render_embed(post, did)
    if embed:
        record["embed"] = embed
    return record


def _render_facets(post: Post) -> list[dict[str, Any]]:
    """Facets with UTF-8 byte ranges for the tags, mentions (`@handle`, named by its DID) and links found
    in the text."""
    data, out = post.text.encode("utf-8"), []
    wanted = [("#" + t, {"$type": TAG, "tag": t}) for t in post.hashtags]
    wanted += [("@" + m, {"$type": MENTION, "did": account(m)}) for m in post.mentions]
    wanted += [(u, {"$type": LINK, "uri": u}) for u in post.urls]
    for needle, feature in wanted:
        start = data.find(needle.encode("utf-8"))
        if start >= 0:
            index = {"byteStart": start, "byteEnd": start + len(needle.encode("utf-8"))}
            out.append({"index": index, "features": [feature]})
    return out


def _outside_text(post: Post) -> list[str]:
    """Hashtags the text does not show: Bluesky keeps those in the record's own `tags`."""
    data = post.text.encode("utf-8")
    return [t for t in post.hashtags if ("#" + t).encode("utf-8") not in data]


def _render_embed(post: Post, did: str) -> dict[str, Any] | None:
    images = None
    if post.media:
        images = {"$type": "app.bsky.embed.images",
                  "images": [{"alt": m.alt or "", "image": _blob(m.url)} for m in post.media]}
    if post.quote_of is None:
        return images
    record = {"$type": "app.bsky.embed.record",
              "record": {"uri": post.quote_of, "cid": fake_cid(post.quote_of, "bafyrei")}}
    if images is None:
        return record
    return {"$type": "app.bsky.embed.recordWithMedia", "record": record, "media": images}


def _blob(url: str) -> dict[str, Any]:
    found = _CDN.match(url)
    return {"$type": "blob", "ref": {"$link": found.group(1) if found else fake_cid(url)},
            "mimeType": "image/jpeg", "size": 100_000 + crc32(url.encode()) % 400_000}

"""Twitter API v2 tweets, as twarc2 writes them: raw response pages or `twarc2 flatten` lines.

A raw page (`data` + `includes` + `meta` + `__twarc`) holds many tweets: `iter_posts` joins each with
its author, media and referenced tweets from `includes` (as `flatten` would) and maps it. A flattened line
already carries `author`, `attachments.media` and expanded `referenced_tweets`. The post's `id` is the
tweet id. `retweeted` -> `repost_of` (the text, tags and media are the original's when it is expanded),
`quoted` -> `quote_of`, `replied_to` -> `reply_to`; expanded referenced tweets are mapped into `embedded`.
Long posts are read from `note_tweet.text`; media alt text from `alt_text`; a placeholder media item
without a URL (`{}`, as twarc writes one whose expansion was missing) is dropped. A tweet with only an
`author_id` (no user expansion) gets that id as its handle. A bare single-tweet response (`{"data": {..}}`)
is read like a page.

Edits: every version of an edited tweet is one post. Its id is the first id of `edit_history_tweet_ids`,
the other ids are its `aliases` (so retweets and replies of any version link to it), `created_at` is the
first version's time (from its id) and a later version carries `edited_at` (its own `created_at`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backfire.model import Author, Media, Post
from backfire.sources._common import (
    account_time,
    as_dict,
    as_list,
    escape_twitter,
    hashtags_in,
    iso_z,
    mapping,
    mentions_in,
    need,
    parse_time,
    spans,
    str_id,
    text_field,
    unescape_twitter,
    unique,
)
from backfire.sources.errors import MissingField, SourceError

NAME = "twitter-v2"
DESCRIPTION = "Twitter API v2 / twarc2 JSONL: raw response pages or flattened tweets"
PLATFORM = "twitter"

MEDIA_TYPES = {"photo": "image", "animated_gif": "gif", "video": "video"}
MAX_TEXT = 280
TWARC = {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.14.0"}


def sniff(raw: dict[str, Any]) -> bool:
    """True for v2 response pages and v2 (flattened or plain) tweets."""
    if is_page(raw):
        return True
    if "id" not in raw or not ("text" in raw or "note_tweet" in raw) or "user" in raw or "account" in raw:
        return False
    markers = ("author_id", "edit_history_tweet_ids", "__twarc", "referenced_tweets", "conversation_id")
    return any(k in raw for k in markers) or isinstance(raw.get("author"), dict)


def is_page(raw: dict[str, Any]) -> bool:
    """A raw API response: `data` plus `includes`/`meta`/`__twarc`/`errors`, or a bare `{"data": tweet}`."""
    if ("data" in raw or "meta" in raw) and any(k in raw for k in ("includes", "meta", "__twarc", "errors")):
        return True
    data = raw.get("data")
    tweets = data if isinstance(data, list) else [data]
    return "id" not in raw and bool(tweets) and all(isinstance(t, dict) and "id" in t for t in tweets)


def records(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The flattened tweets of `raw`: every tweet of a page, or the flattened tweet itself."""
    return flatten_page(raw) if is_page(raw) else [raw]


def iter_posts(raw: dict[str, Any]) -> Iterator[Post]:
    """Yield every post in `raw` (each tweet of a page, in page order)."""
    for record in records(raw):
        yield to_post(record)


def flatten_page(page: dict[str, Any]) -> list[dict[str, Any]]:
    """Join each tweet of a response page with its expansions (author, media, referenced tweets).

    Referenced tweets are expanded one level deep (with their own author and media), as twarc does.
    The page's `__twarc` metadata is copied into every tweet.
    """
    data = page.get("data")
    tweets = [data] if isinstance(data, dict) else [t for t in as_list(data) if isinstance(t, dict)]
    includes = as_dict(page.get("includes"))
    index = {
        "users": _by(includes.get("users"), "id"),
        "media": _by(includes.get("media"), "media_key"),
        "tweets": {**_by(tweets, "id"), **_by(includes.get("tweets"), "id")},
    }
    flat = [_expand(t, index, deep=True) for t in tweets]
    if "__twarc" in page:
        for tweet in flat:
            tweet["__twarc"] = page["__twarc"]
    return flat


def _by(items: Any, key: str) -> dict[str, dict[str, Any]]:
    return {str(i[key]): i for i in as_list(items) if isinstance(i, dict) and key in i}


def _expand(tweet: dict[str, Any], index: dict[str, dict[str, dict[str, Any]]], deep: bool) -> dict[str, Any]:
    out = dict(tweet)
    if str(tweet.get("author_id")) in index["users"]:
        out["author"] = index["users"][str(tweet["author_id"])]
    if str(tweet.get("in_reply_to_user_id")) in index["users"]:
        out["in_reply_to_user"] = index["users"][str(tweet["in_reply_to_user_id"])]
    attachments = as_dict(tweet.get("attachments"))
    keys = [str(k) for k in as_list(attachments.get("media_keys"))]
    if keys:
        out["attachments"] = {**attachments, "media": [index["media"][k] for k in keys if k in index["media"]]}
    if deep and tweet.get("referenced_tweets"):
        out["referenced_tweets"] = [_expand_ref(r, index) for r in as_list(tweet["referenced_tweets"])]
    return out


def _expand_ref(ref: Any, index: dict[str, dict[str, dict[str, Any]]]) -> Any:
    found = index["tweets"].get(str(as_dict(ref).get("id")))
    return {**ref, **_expand(found, index, deep=False)} if found else ref


@mapping
def to_post(raw: dict[str, Any]) -> Post:
    """Map one flattened v2 tweet (or a page holding exactly one tweet) to a `Post`."""
    if is_page(raw):
        return _single(raw)
    _check_fields(raw)
    refs = {r.get("type"): r for r in as_list(raw.get("referenced_tweets")) if isinstance(r, dict)}
    original = _root(refs.get("retweeted"))
    content = original if original is not None and _has_text(original) else raw
    own, history = str_id(need(raw, "id", "tweet")) or "", [str(i) for i in as_list(raw.get("edit_history_tweet_ids"))]
    first = history[0] if history else own
    created = parse_time(need(raw, "created_at", "tweet"))
    return Post(
        id=first,
        platform=PLATFORM,
        author=_author(raw),
        created_at=created if first == own else snowflake_time(first, created),
        edited_at=created if first != own else None,
        aliases=[i for i in history if i != first],
        text=full_text(content),
        **_entities(content),
        reply_to=_ref_id(refs, "replied_to"),
        quote_of=_ref_id(refs, "quoted") if original is None else None,
        repost_of=_ref_id(refs, "retweeted"),
        lang=_lang(raw.get("lang")),
        raw=raw,
        embedded=[p for p in (_embed(r) for r in refs.values()) if p is not None],
    )


def _check_fields(raw: dict[str, Any]) -> None:
    """Name every required field the tweet lacks at once (a response of default fields has only id and text)."""
    missing = [f for f in ("id", "created_at") if raw.get(f) is None]
    if not raw.get("author") and raw.get("author_id") is None:
        missing.append("author_id")
    if not _has_text(raw) and not raw.get("referenced_tweets"):
        missing.append("text")
    if missing:
        hint = ("only the default fields: request tweet.fields=created_at,author_id and expansions=author_id"
                if "id" not in missing and "created_at" in missing else "")
        raise MissingField(missing, "tweet", hint)


def snowflake_time(tweet_id: str, fallback: Any) -> Any:
    """The time a tweet id (a snowflake) was made; `fallback` for ids that are not snowflakes."""
    from datetime import UTC, datetime

    if not tweet_id.isdigit() or int(tweet_id) < 1 << 22:
        return fallback
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + 1288834974657) / 1000, tz=UTC)


def _single(page: dict[str, Any]) -> Post:
    flat = flatten_page(page)
    if len(flat) != 1:
        raise SourceError(f"a response page holds {len(flat)} tweets; use iter_posts() to read them all")
    return to_post(flat[0])


def _root(ref: dict[str, Any] | None) -> dict[str, Any] | None:
    while ref is not None:
        inner = [r for r in as_list(ref.get("referenced_tweets")) if as_dict(r).get("type") == "retweeted"]
        if not inner or not _has_text(inner[0]):
            return ref
        ref = inner[0]
    return None


def _has_text(tweet: dict[str, Any]) -> bool:
    return tweet.get("text") is not None or isinstance(as_dict(tweet.get("note_tweet")).get("text"), str)


def _ref_id(refs: dict[Any, dict[str, Any]], kind: str) -> str | None:
    ref = refs.get(kind)
    if kind == "retweeted" and ref is not None:
        ref = _root(ref) or ref
    return str_id(ref.get("id")) if ref else None


def _embed(ref: dict[str, Any]) -> Post | None:
    """Map an expanded referenced tweet; a bare `{type, id}` reference (or a broken one) embeds nothing."""
    if not _has_text(ref) or "created_at" not in ref:
        return None
    try:
        return to_post(ref)
    except SourceError:
        return None


def full_text(raw: dict[str, Any]) -> str:
    """The untruncated, un-escaped text (`note_tweet.text` for long posts)."""
    text = as_dict(raw.get("note_tweet")).get("text") or raw.get("text")
    return unescape_twitter(text_field(text, "text", "tweet"))


def _entities(raw: dict[str, Any]) -> dict[str, Any]:
    note = as_dict(raw.get("note_tweet"))
    entities = as_dict(note.get("entities") if note.get("text") else None) or as_dict(raw.get("entities"))
    urls = [u for u in as_list(entities.get("urls")) if isinstance(u, dict) and "media_key" not in u]
    text = full_text(raw)
    return {
        "hashtags": unique(h.get("tag") for h in as_list(entities.get("hashtags")))
        if entities else hashtags_in(text),
        "mentions": unique(m.get("username") for m in as_list(entities.get("mentions")))
        if entities else mentions_in(text),
        "urls": unique(u.get("expanded_url") or u.get("url") for u in urls),
        "media": [m for m in map(_media, as_list(as_dict(raw.get("attachments")).get("media"))) if m is not None],
    }


def _media(raw: Any) -> Media | None:
    """A media item; None for a placeholder without any URL (twarc writes `{}` when an expansion was
    missing): the post is kept, the empty media dropped."""
    raw = as_dict(raw)
    url = raw.get("url") or raw.get("preview_image_url")
    if not isinstance(url, str) or not url:
        return None
    return Media(url=url, type=MEDIA_TYPES.get(raw.get("type", "photo"), "image"), alt=raw.get("alt_text"))


def _author(raw: dict[str, Any]) -> Author:
    user = as_dict(raw.get("author"))
    if not user:
        author_id = str_id(raw.get("author_id"))
        if author_id is None:
            raise MissingField("author", "tweet")
        return Author(handle=author_id, id=author_id)
    metrics = as_dict(user.get("public_metrics"))
    return Author(handle=need(user, "username", "author"), id=str_id(user.get("id")), name=user.get("name"),
                  followers=metrics.get("followers_count"), created_at=account_time(user.get("created_at")))


def _lang(value: Any) -> str | None:
    return value if isinstance(value, str) and value and value not in ("und", "zxx", "qme") else None


# ---------------------------------------------------------------- writing (used by the simulator)

def to_raw(post: Post) -> dict[str, Any]:
    """Render `post` as a flattened v2 tweet, as `twarc2 flatten` writes it."""
    tweet = _plain(post)
    refs = _references(post)
    if refs:
        tweet["referenced_tweets"] = [
            {"type": kind, "id": rid, **(_plain(e) if e is not None else {})}
            for kind, rid, e in refs]
    tweet["__twarc"] = {**TWARC, "retrieved_at": iso_z(post.created_at)}
    return tweet


def to_page(posts: list[Post]) -> dict[str, Any]:
    """Render several posts as one raw v2 response page (`data` + `includes` + `meta` + `__twarc`)."""
    data, users, media, tweets = [], {}, {}, {}
    for post in posts:
        tweet = _plain(post)
        refs = _references(post)
        for node, author in [(tweet, post.author)] + [(_plain(e), e.author) for _, _, e in refs if e]:
            users[node["author_id"]] = _user(author)
            for item in node.get("attachments", {}).pop("media", []):
                media[item["media_key"]] = item
            if node is not tweet:
                tweets[node["id"]] = {k: v for k, v in node.items() if k != "author"}
        tweet.pop("author")
        if refs:
            tweet["referenced_tweets"] = [{"type": kind, "id": rid} for kind, rid, _ in refs]
        data.append(tweet)
    created = max((p.created_at for p in posts), default=None)
    return {"data": data, "includes": {"users": list(users.values()), "tweets": list(tweets.values()),
                                       "media": list(media.values())},
            "meta": {"result_count": len(data)},
            "__twarc": {**TWARC, "retrieved_at": iso_z(created) if created else ""}}


def _references(post: Post) -> list[tuple[str, str, Post | None]]:
    pairs = [("retweeted", post.repost_of), ("quoted", post.quote_of), ("replied_to", post.reply_to)]
    refs: list[tuple[str, str, Post | None]] = []
    for kind, rid in pairs:
        if rid is not None:
            found = next((e for e in post.embedded if e.id == rid), None)
            if found is None and kind == "retweeted":
                found = post.model_copy(update={"id": rid, "repost_of": None, "embedded": [],
                                                "author": Author(handle="unknown", id="0")})
            refs.append((kind, rid, found))
    return refs


def _plain(post: Post) -> dict[str, Any]:
    """One tweet object with its author and media inline, but bare references."""
    text = post.text
    if post.repost_of is not None:
        original = next((e for e in post.embedded if e.id == post.repost_of), None)
        text = f"RT @{original.author.handle if original else 'unknown'}: {post.text}"[:MAX_TEXT]
    tweet: dict[str, Any] = {
        "id": post.id, "text": escape_twitter(text[:MAX_TEXT]),
        "created_at": iso_z(post.created_at),
        "author_id": post.author.id or post.author.handle, "conversation_id": post.reply_to or post.id,
        "edit_history_tweet_ids": [post.id], "lang": post.lang or "und",
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
        "entities": _render_entities(post, text),
        "author": _user(post.author),
    }
    if len(text) > MAX_TEXT:
        tweet["note_tweet"] = {"text": escape_twitter(text), "entities": tweet["entities"]}
    if post.media:
        items = [_render_media(post.id, m, i) for i, m in enumerate(post.media)]
        tweet["attachments"] = {"media_keys": [m["media_key"] for m in items], "media": items}
    return tweet


def _render_entities(post: Post, text: str) -> dict[str, Any]:
    def at(prefix: str, value: str) -> dict[str, int]:
        found = spans(text, prefix + value)
        start = found[0] if found else 0
        return {"start": start, "end": start + len(prefix + value) if found else 0}

    return {"hashtags": [{**at("#", t), "tag": t} for t in post.hashtags],
            "mentions": [{**at("@", m), "username": m} for m in post.mentions],
            "urls": [{**at("", u), "url": u, "expanded_url": u, "display_url": u.split("://")[-1][:26]}
                     for u in post.urls]}


def _user(author: Author) -> dict[str, Any]:
    return {"id": author.id or author.handle, "username": author.handle, "name": author.name or author.handle,
            "public_metrics": {"followers_count": author.followers or 0, "following_count": 0,
                               "tweet_count": 0, "listed_count": 0},
            **({"created_at": iso_z(author.created_at)} if author.created_at else {})}


def _render_media(post_id: str, media: Media, index: int) -> dict[str, Any]:
    kind = {v: k for k, v in MEDIA_TYPES.items()}.get(media.type, "photo")
    item: dict[str, Any] = {"media_key": f"3_{post_id}{index}", "type": kind, "url": media.url}
    if media.alt is not None:
        item["alt_text"] = media.alt
    return item

"""Twitter API v1.1 tweet objects (REST, streaming, and the 2014-era archives built from them).

One tweet per record. The post's `id` is `id_str` (else `id`). A retweet's author is the retweeter; its
`text`, hashtags, mentions, urls and media are those of the root original (a retweet of a retweet points
to the root), and the original is mapped into `embedded`. A quote keeps its own text and embeds the
quoted tweet. Long tweets are read from `extended_tweet.full_text` (streaming) or `full_text` (REST
with tweet_mode=extended). A compat-mode tweet marked `truncated` with neither is kept with its cut
text and flagged `truncated`. Tweet text is un-escaped (`&amp;` -> `&`). A delete notice is a `Deletion`
(`to_deletion`); limit and other streaming notices raise `UnknownRecord`; a search page
(`{"statuses": [...]}`) yields each of its tweets.

>>> raw = {"id_str": "1", "created_at": "Tue Apr 22 18:02:11 +0000 2014", "text": "Proud &amp; safe #myNYPD",
...        "user": {"id_str": "9", "screen_name": "fan", "followers_count": 3}}
>>> post = to_post(raw)
>>> (post.id, post.author.handle, post.text, post.hashtags, post.created_at.hour)
('1', 'fan', 'Proud & safe #myNYPD', ['myNYPD'], 18)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from zlib import crc32

from backfire.model import Author, Deletion, Media, Post
from backfire.sources._common import (
    account_time,
    as_dict,
    as_list,
    escape_twitter,
    format_v1_time,
    hashtags_in,
    mapping,
    mentions_in,
    need,
    need_object,
    parse_time,
    parse_v1_time,
    spans,
    str_id,
    text_field,
    unescape_twitter,
    unique,
    urls_in,
)
from backfire.sources.errors import MissingField, UnknownRecord

NAME = "twitter-v1"
DESCRIPTION = "Twitter API v1.1 tweet objects, one per line (REST, streaming, 2014-era archives)"
PLATFORM = "twitter"

NOTICES = ("delete", "scrub_geo", "limit", "status_withheld", "user_withheld", "disconnect", "warning",
           "friends", "friends_str", "event", "direct_message", "control", "for_user")
MEDIA_TYPES = {"photo": "image", "animated_gif": "gif", "video": "video"}
MAX_TEXT = 140
LEGACY_LANGS = {"iw": "he", "in": "id", "ji": "yi"}


def sniff(raw: dict[str, Any]) -> bool:
    """True for v1.1 tweets, v1.1 streaming notices and v1.1 search pages."""
    if "user" in raw and ("id_str" in raw or "id" in raw) and ("text" in raw or "full_text" in raw):
        created = raw.get("created_at")
        return not isinstance(created, str) or created[:1].isalpha()
    if isinstance(raw.get("statuses"), list) and "search_metadata" in raw:
        return True
    return len(raw) <= 2 and any(isinstance(raw.get(k), dict) for k in NOTICES)


def records(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The tweets a record holds: itself, or each status of a search page."""
    if isinstance(raw.get("statuses"), list) and "search_metadata" in raw:
        return [s for s in raw["statuses"] if isinstance(s, dict)]
    return [raw]


def iter_posts(raw: dict[str, Any]) -> Iterator[Post]:
    """Yield every post in `raw` (one for a tweet, several for a search page)."""
    for record in records(raw):
        yield to_post(record)


@mapping
def to_post(raw: dict[str, Any]) -> Post:
    """Map one v1.1 tweet to a `Post` (see the module docstring for the rules)."""
    _reject_notices(raw)
    original = root_original(raw)
    quoted = raw.get("quoted_status") if original is None else None
    content = original if original is not None else raw
    embedded = [to_post(e) for e in (original, quoted) if isinstance(e, dict)]
    return Post(
        id=tweet_id(raw),
        platform=PLATFORM,
        author=_author(need_object(raw, "user", "tweet")),
        created_at=parse_v1_time(need(raw, "created_at", "tweet")),
        text=full_text(content),
        **_entities(content),
        reply_to=str_id(raw.get("in_reply_to_status_id_str") or raw.get("in_reply_to_status_id")),
        quote_of=_quote_id(raw) if original is None else None,
        repost_of=tweet_id(original) if original is not None else None,
        lang=_lang(raw.get("lang")),
        truncated=is_truncated(content),
        raw=raw,
        embedded=embedded,
    )


def is_truncated(raw: dict[str, Any]) -> bool:
    """True for a compat-mode tweet cut short (`truncated: true`) that carries no full text."""
    return raw.get("truncated") is True and not (as_dict(raw.get("extended_tweet")).get("full_text")
                                                 or raw.get("full_text"))


def to_deletion(raw: dict[str, Any]) -> Deletion | None:
    """A streaming delete notice (`{"delete": {"status": {"id_str": ...}}}`) as a `Deletion`."""
    if "delete" not in raw:  # every tweet asks: answered without a lookup chain
        return None
    notice = as_dict(as_dict(raw.get("delete")).get("status"))
    found = str_id(notice.get("id_str")) or str_id(notice.get("id"))
    if found is None or "user" in raw:
        return None
    millis = as_dict(raw.get("delete")).get("timestamp_ms")
    at = parse_time(millis, epoch=True) if isinstance(millis, (str, int)) and str(millis).isdigit() else None
    return Deletion(platform=PLATFORM, id=found, at=at)


def _reject_notices(raw: dict[str, Any]) -> None:
    if "user" in raw or "text" in raw or "full_text" in raw:
        return
    for key in NOTICES:
        if key in raw:
            raise UnknownRecord(f"v1.1 {key} notice")
    raise UnknownRecord(f"object with keys {sorted(raw)[:6]} is not a v1.1 tweet")


def tweet_id(raw: dict[str, Any]) -> str:
    """`id_str`, else `id` as a string."""
    found = str_id(raw.get("id_str")) or str_id(raw.get("id"))
    if found is None:
        raise MissingField("id_str", "tweet")
    return found


def root_original(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The tweet a retweet ultimately points to (following retweets of retweets), or None."""
    original = raw.get("retweeted_status")
    if not isinstance(original, dict):
        return None
    while isinstance(original.get("retweeted_status"), dict):
        original = original["retweeted_status"]
    return original


def full_text(raw: dict[str, Any]) -> str:
    """The untruncated, un-escaped text of a tweet."""
    extended = as_dict(raw.get("extended_tweet"))
    text = extended.get("full_text") or raw.get("full_text") or raw.get("text")
    return unescape_twitter(text_field(text, "text", "tweet"))


def _entities(raw: dict[str, Any]) -> dict[str, Any]:
    extended = as_dict(raw.get("extended_tweet"))
    entities = as_dict(extended.get("entities") or raw.get("entities"))
    media = as_list(as_dict(extended.get("extended_entities") or raw.get("extended_entities")).get("media"))
    if not entities:  # hand-made or trimmed records: fall back to the text itself
        text = full_text(raw)
        return {"hashtags": hashtags_in(text), "mentions": mentions_in(text), "urls": urls_in(text),
                "media": [_media(m) for m in media]}
    return {
        "hashtags": unique(h.get("text") for h in as_list(entities.get("hashtags"))),
        "mentions": unique(m.get("screen_name") for m in as_list(entities.get("user_mentions"))),
        "urls": unique(u.get("expanded_url") or u.get("url") for u in as_list(entities.get("urls"))),
        "media": [_media(m) for m in media or as_list(entities.get("media"))],
    }


def _media(raw: dict[str, Any]) -> Media:
    url = raw.get("media_url_https") or raw.get("media_url") or need(raw, "url", "media")
    return Media(url=url, type=MEDIA_TYPES.get(raw.get("type", "photo"), "image"), alt=raw.get("ext_alt_text"))


def _author(user: dict[str, Any]) -> Author:
    return Author(
        handle=need(user, "screen_name", "user"),
        id=str_id(user.get("id_str") or user.get("id")),
        name=user.get("name"),
        followers=user.get("followers_count"),
        created_at=account_time(user.get("created_at")),
    )


def _quote_id(raw: dict[str, Any]) -> str | None:
    quoted = as_dict(raw.get("quoted_status"))
    return str_id(raw.get("quoted_status_id_str") or raw.get("quoted_status_id")) or (
        tweet_id(quoted) if quoted else None)


def _lang(value: Any) -> str | None:
    """BCP 47 code; None for 'und'; Twitter's legacy codes ('iw', 'in', 'ji') modernised."""
    if not isinstance(value, str) or not value or value == "und":
        return None
    return LEGACY_LANGS.get(value, value)


# ---------------------------------------------------------------- writing (used by the simulator)

def to_raw(post: Post) -> dict[str, Any]:
    """Render `post` as a realistic v1.1 tweet (a retweet carries `retweeted_status`, a quote
    `quoted_status`, texts over 140 characters go to `extended_tweet`)."""
    original = _embedded(post, post.repost_of)
    if post.repost_of is not None:
        source = original or post.model_copy(update={"id": post.repost_of, "repost_of": None,
                                                     "author": Author(handle="unknown"), "embedded": []})
        inner = to_raw(source)
        text = f"RT @{inner['user']['screen_name']}: {post.text}"
        raw = _tweet(post, text, entities_of=post.model_copy(update={"mentions": [source.author.handle]}))
        raw["retweeted_status"] = inner
        return raw
    raw = _tweet(post, post.text, entities_of=post)
    if post.quote_of is not None:
        raw.update(is_quote_status=True, quoted_status_id=_int_or_none(post.quote_of),
                   quoted_status_id_str=post.quote_of)
        quoted = _embedded(post, post.quote_of)
        if quoted is not None:
            raw["quoted_status"] = to_raw(quoted)
    return raw


def native(posts: Iterable[Post]) -> Iterator[Post]:
    """`posts` (in time order) with the originals a v1.1 record embeds: a retweet carries its original in
    `retweeted_status` and a quote its quoted tweet in `quoted_status`, with their own author, follower
    count and time. An original among the earlier `posts` is embedded when the post does not carry it."""
    seen: dict[str, Post] = {}
    for post in posts:
        extra = [seen[ref] for ref in (post.repost_of, post.quote_of)
                 if ref is not None and ref in seen and _embedded(post, ref) is None]
        if extra:
            post = post.model_copy(update={"embedded": [*post.embedded, *extra]})
        if post.repost_of is None:
            seen[post.id] = post.model_copy(update={"embedded": [], "raw": None})
        yield post


def _embedded(post: Post, wanted: str | None) -> Post | None:
    return next((e for e in post.embedded if wanted is not None and e.id == wanted), None)


def _tweet(post: Post, text: str, entities_of: Post) -> dict[str, Any]:
    long = len(text) > MAX_TEXT
    entities = _render_entities(entities_of, text)
    raw: dict[str, Any] = {
        "created_at": format_v1_time(post.created_at),
        "id": _int_or_none(post.id), "id_str": post.id,
        "text": escape_twitter(text[: MAX_TEXT - 1] + "…" if long else text),
        "truncated": long,
        "in_reply_to_status_id": _int_or_none(post.reply_to), "in_reply_to_status_id_str": post.reply_to,
        "user": _render_user(post.author),
        "is_quote_status": False, "retweet_count": 0, "favorite_count": 0,
        "entities": entities, "lang": post.lang or "und",
    }
    if post.media:
        raw["extended_entities"] = {"media": [_render_media(post.id, m, i) for i, m in enumerate(post.media)]}
        entities["media"] = raw["extended_entities"]["media"][:1]
    if long:
        raw["extended_tweet"] = {"full_text": escape_twitter(text), "entities": entities}
        if post.media:
            raw["extended_tweet"]["extended_entities"] = raw["extended_entities"]
    return raw


def _render_entities(post: Post, text: str) -> dict[str, Any]:
    def indexed(prefix: str, value: str) -> list[int]:
        found = spans(text, prefix + value)
        return [found[0], found[0] + len(value) + 1] if found else [0, 0]

    return {
        "hashtags": [{"text": t, "indices": indexed("#", t)} for t in post.hashtags],
        "user_mentions": [{"screen_name": m, "name": m, "indices": indexed("@", m)} for m in post.mentions],
        "urls": [{"url": u, "expanded_url": u, "display_url": u.split("://")[-1][:26], "indices": indexed("", u)}
                 for u in post.urls],
        "symbols": [],
    }


def _render_user(author: Author) -> dict[str, Any]:
    user_id = author.id or str(crc32(author.handle.encode()))
    return {"id": _int_or_none(user_id), "id_str": user_id, "screen_name": author.handle,
            "name": author.name or author.handle, "followers_count": author.followers or 0,
            **({"created_at": format_v1_time(author.created_at)} if author.created_at else {})}


def _render_media(post_id: str, media: Media, index: int) -> dict[str, Any]:
    kind = {v: k for k, v in MEDIA_TYPES.items()}.get(media.type, "photo")
    item: dict[str, Any] = {"id_str": f"{post_id}{index + 1}", "type": kind, "media_url_https": media.url,
                            "url": f"https://t.co/m{crc32(media.url.encode()):x}"}
    if media.alt is not None:
        item["ext_alt_text"] = media.alt
    return item


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None

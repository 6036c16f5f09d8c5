"""CSV (or TSV) files with one post per row: the simplest way in.

Columns (matched case-insensitively): `text` is required; `id`, `created_at`, `author`, `followers`,
`repost_of`, `reply_to`, `quote_of`, `lang` and `platform` are optional, and other columns are kept in
`raw` only. Hashtags, mentions and URLs are read from the text.

- A row without an id gets its 0-based data-row number as id ("0", "1", ...).
- `created_at` may be ISO 8601 (naive means UTC), epoch seconds (milliseconds when above 1e11) or the
  Twitter v1.1 form. A row without one gets 1970-01-01T00:00:00Z plus its row number in seconds, so
  sorting by time keeps the input order.
- A row without an author gets the handle "unknown"; `platform` defaults to "csv".

The reader passes each row as a dict of column -> string, plus the data-row number under `__row`;
`to_post` needs that number only for the id and time fallbacks.

>>> post = to_post({"text": "Thank you officers! #myNYPD @NYPDnews", "__row": 4})
>>> (post.id, post.author.handle, post.hashtags, post.mentions, post.created_at.isoformat())
('4', 'unknown', ['myNYPD'], ['NYPDnews'], '1970-01-01T00:00:04+00:00')
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from backfire.model import Author, Post
from backfire.sources._common import EPOCH, hashtags_in, iso_z, mapping, mentions_in, parse_time, urls_in
from backfire.sources.errors import MissingField, SourceError

NAME = "csv"
DESCRIPTION = "CSV/TSV with a header and a `text` column (id, created_at, author... optional)"
PLATFORM = "csv"

COLUMNS = ("id", "created_at", "author", "followers", "text", "repost_of", "reply_to", "quote_of", "lang",
           "platform")
ROW = "__row"
UNKNOWN_AUTHOR = "unknown"


def sniff(raw: dict[str, Any]) -> bool:
    """True for a row dict: a `text` key and nothing but strings (or empty cells) as values."""
    if not any(k.strip().lower() == "text" for k in raw if isinstance(k, str)):
        return False
    return all(v is None or isinstance(v, str) for k, v in raw.items() if k != ROW)


def records(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Each row is one record."""
    return [raw]


def iter_posts(raw: dict[str, Any]) -> Iterator[Post]:
    """Yield the post in `raw`."""
    yield to_post(raw)


@mapping
def to_post(raw: dict[str, Any]) -> Post:
    """Map one CSV row (column -> string) to a `Post`."""
    row = {str(k).strip().lower(): _cell(v) for k, v in raw.items() if k is not None and k != ROW}
    key = _original_key(raw, "text")
    text = raw[key] if key is not None else None
    if not isinstance(text, str):
        raise MissingField("text", "row")
    number = raw.get(ROW)
    return Post(
        id=row.get("id") or _from_row(number, "id"),
        platform=row.get("platform") or PLATFORM,
        author=Author(handle=row.get("author") or UNKNOWN_AUTHOR, followers=_followers(row.get("followers"))),
        created_at=parse_time(row["created_at"], epoch=True) if row.get("created_at") else EPOCH + timedelta(
            seconds=int(_from_row(number, "created_at"))),
        text=text,
        hashtags=hashtags_in(text),
        mentions=mentions_in(text),
        urls=urls_in(text),
        reply_to=row.get("reply_to"),
        quote_of=row.get("quote_of"),
        repost_of=row.get("repost_of"),
        lang=row.get("lang"),
        raw=raw,
    )


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourceError(f"cell of type {type(value).__name__}")
    return value.strip() or None


def _original_key(raw: dict[str, Any], wanted: str) -> str | None:
    return next((k for k in raw if isinstance(k, str) and k.strip().lower() == wanted), None)


def _from_row(number: Any, field: str) -> str:
    if isinstance(number, bool) or not isinstance(number, int):
        raise MissingField(field, "row (and no row number to fall back on)")
    return str(number)


def _followers(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.replace(",", "")))
    except ValueError:
        raise SourceError(f"followers is not a number: {value[:20]!r}") from None


def to_raw(post: Post) -> dict[str, Any]:
    """Render `post` as a row with the `COLUMNS` header (empty strings for missing values)."""
    values = {
        "id": post.id, "created_at": iso_z(post.created_at), "author": post.author.handle,
        "followers": "" if post.author.followers is None else str(post.author.followers),
        "text": post.text, "repost_of": post.repost_of, "reply_to": post.reply_to,
        "quote_of": post.quote_of, "lang": post.lang, "platform": post.platform,
    }
    return {k: "" if v is None else v for k, v in values.items()}

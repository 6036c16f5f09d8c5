"""CSV (or TSV) files with one post per row: the simplest way in.

Columns are matched by name whatever their case and spacing (`Created At` is `created_at`); the names
common exports use are known too (see `_columns`: twarc-csv's `author.username`,
`author.public_metrics.followers_count`, `referenced_tweets.*.id`; the Twitter archive's `tweet_id`,
`timestamp`, `retweeted_status_id`, `in_reply_to_status_id`). A text column is required; `id`,
`created_at`, `author`, `followers`, `repost_of`, `reply_to`, `quote_of`, `lang` and `platform` are
optional, and other columns are kept in `raw` only. Hashtags, mentions and URLs are read from the text.

- A file without an id column gets ids derived from each row's content: `row-` and a digest of its cells,
  and `-N` for the N-th repeat of the same row in the file. The same row in another file (or the same
  file under another name) gets the same id, so it is stored once, and rows of different files never
  take each other's ids. (`classify` still prints the 0-based row number as such a post's id.)
- `created_at` may be ISO 8601 (naive means UTC), epoch seconds (milliseconds when above 1e11), the
  Twitter v1.1 form or `2014-04-22 18:02:11 +0000`. A row without one is `undated`: it gets
  1970-01-01T00:00:00Z plus its row number in seconds, so sorting by time keeps the file order, and
  `detect` refuses a file whose posts have no times.
- A row without an author gets its author id column, else the handle "unknown"; `platform` defaults to "csv".

The reader passes each row as a dict of column -> string, plus the data-row number under `__row` and,
when there is no id column, the number of earlier identical rows under `__seen`.

>>> post = to_post({"Text": "Thank you officers! #myNYPD @NYPDnews", "__row": 4, "__seen": 0})
>>> (post.id, post.author.handle, post.hashtags, post.mentions, post.created_at.isoformat(), post.undated)
('row-1fa8d0a16eb0e937', 'unknown', ['myNYPD'], ['NYPDnews'], '1970-01-01T00:00:04+00:00', True)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from backfire.model import Author, Post
from backfire.sources._columns import TEXT_NAMES, fields, norm
from backfire.sources._common import (
    EPOCH,
    as_dict,
    as_list,
    hashtags_in,
    iso_z,
    mapping,
    mentions_in,
    parse_time,
    urls_in,
)
from backfire.sources.errors import MissingField, SourceError

NAME = "csv"
DESCRIPTION = "CSV/TSV with a header and a `text` column (id, created_at, author... optional)"
PLATFORM = "csv"

COLUMNS = ("id", "created_at", "author", "followers", "text", "repost_of", "reply_to", "quote_of", "lang",
           "platform")
ROW = "__row"
SEEN = "__seen"
UNKNOWN_AUTHOR = "unknown"
_REF_TYPES = {"retweeted": "repost_of", "replied_to": "reply_to", "quoted": "quote_of"}


def sniff(raw: dict[str, Any]) -> bool:
    """True for a row dict: a text column and nothing but strings (or empty cells) as values."""
    if not any(norm(k) == "text" for k in raw if isinstance(k, str)):
        return False
    return all(v is None or isinstance(v, str) for k, v in raw.items() if k not in (ROW, SEEN))


def records(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Each row is one record."""
    return [raw]


def iter_posts(raw: dict[str, Any]) -> Iterator[Post]:
    """Yield the post in `raw`."""
    yield to_post(raw)


@mapping
def to_post(raw: dict[str, Any]) -> Post:
    """Map one CSV row (column -> string) to a `Post`."""
    cells = {k: v for k, v in raw.items() if isinstance(k, str) and k not in (ROW, SEEN)}
    row = {norm(k): _cell(v) for k, v in cells.items()}
    known = fields(row)
    text = _text(cells)
    number = raw.get(ROW)
    created = known["created_at"]
    refs = _referenced(known.pop("referenced_tweets"))
    handle = known["author"] or known["author_id"] or UNKNOWN_AUTHOR
    return Post(
        id=known["id"] or content_id(cells, raw.get(SEEN), number),
        platform=known["platform"] or PLATFORM,
        author=Author(handle=handle, id=known["author_id"], followers=_followers(known["followers"])),
        created_at=parse_time(created, epoch=True) if created else EPOCH + timedelta(
            seconds=int(_from_row(number, "created_at"))),
        undated=not created,
        text=text,
        hashtags=hashtags_in(text),
        mentions=mentions_in(text),
        urls=urls_in(text),
        reply_to=known["reply_to"] or refs.get("reply_to"),
        quote_of=known["quote_of"] or refs.get("quote_of"),
        repost_of=known["repost_of"] or refs.get("repost_of"),
        lang=known["lang"],
        raw=raw,
    )


def content_id(cells: dict[str, Any], seen: Any, number: Any) -> str:
    """`row-<digest of the cells>` (`-N` for the N-th repeat in its file): an id that does not depend on
    the file's name or the row's position."""
    if not isinstance(seen, int) or isinstance(seen, bool):
        return _from_row(number, "id")
    body = json.dumps(sorted((norm(k), (v or "").strip()) for k, v in cells.items()), ensure_ascii=False)
    digest = hashlib.blake2b(body.encode("utf-8"), digest_size=8).hexdigest()
    return f"row-{digest}" + (f"-{seen}" if seen else "")


def input_id(post: Post) -> str:
    """The id `classify` prints: the post's id, or the 0-based row number of a row without an id column."""
    raw = post.raw if isinstance(post.raw, dict) else {}
    if post.id.startswith("row-") and isinstance(raw.get(ROW), int):
        return str(raw[ROW])
    return post.id


_TEXT_ORDER = sorted(TEXT_NAMES, key=lambda n: n != "text")  # `text` first, the others as the set has them


def _text(cells: dict[str, Any]) -> str:
    for wanted in _TEXT_ORDER:
        for key, value in cells.items():
            if norm(key) == wanted and isinstance(value, str):
                return value
    raise MissingField("text", "row")


def _referenced(cell: str | None) -> dict[str, str]:
    """twarc-csv's `referenced_tweets` cell (`{"retweeted": {"id": ..}}` or `[{"type": .., "id": ..}]`)."""
    if not cell:
        return {}
    try:
        value = json.loads(cell)
    except ValueError:
        return {}
    pairs = ([(k, as_dict(v).get("id")) for k, v in value.items()] if isinstance(value, dict)
             else [(as_dict(r).get("type"), as_dict(r).get("id")) for r in as_list(value)])
    return {_REF_TYPES[k]: str(i) for k, i in pairs if k in _REF_TYPES and i not in (None, "")}


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourceError(f"cell of type {type(value).__name__}")
    return value.strip() or None


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
        "id": post.id, "created_at": "" if post.undated else iso_z(post.created_at), "author": post.author.handle,
        "followers": "" if post.author.followers is None else str(post.author.followers),
        "text": post.text, "repost_of": post.repost_of, "reply_to": post.reply_to,
        "quote_of": post.quote_of, "lang": post.lang, "platform": post.platform,
    }
    return {k: "" if v is None else v for k, v in values.items()}

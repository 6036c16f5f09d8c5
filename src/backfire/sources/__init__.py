"""Archive formats: one pure mapping per format from a raw record to a `Post`, and back.

- `FORMATS`: the registered format modules by name (entry-point group "backfire.sources").
- `detect_format(path)`: which format a file is in.
- `read_posts(path, format=None)`: stream a file's posts, quarantining bad records.
- `write_posts(posts, path, format)`: write posts as a file of a format.

Each format module offers `NAME`, `DESCRIPTION`, `sniff(raw)`, `to_post(raw)`, `iter_posts(raw)`,
`records(raw)` and `to_raw(post)`; optionally `native(posts)` (see `writer.py`) and `named_accounts(post)`
(handles a post's raw record pairs with account ids, for formats that name authors by id alone:
`accounts_named`). Mappings raise `SourceError` (`UnknownRecord` for records that are
not posts, `MissingField` for posts without a required field).
"""

from __future__ import annotations

from collections.abc import Iterable

from backfire.model import Post
from backfire.sources.errors import MissingField, SourceError, UnknownRecord
from backfire.sources.registry import load_formats

FORMATS = load_formats()


_NAMERS = [f for module in FORMATS.values() if (f := getattr(module, "named_accounts", None))]


def input_id(post: Post) -> str:
    """The id a post has in its input as `classify` reports it: its id, except for a CSV row without an id
    column, whose 0-based row number it is (its stored id is derived from its content)."""
    from backfire.sources.csv_source import input_id as csv_input_id

    return csv_input_id(post)


def link_aliases(posts: list[Post]) -> list[Post]:
    """`posts` with each reply, quote or repost that names another post of the list by an alias (a
    Mastodon status's instance-local id) pointed at that post's id, as the store does on ingest."""
    ids = {(p.platform, a): p.id for p in posts for a in p.aliases}
    if not ids:
        return posts
    out = []
    for post in posts:
        update = {f: ids[(post.platform, r)] for f in ("reply_to", "quote_of", "repost_of")
                  if (r := getattr(post, f)) is not None and (post.platform, r) in ids}
        out.append(post.model_copy(update=update) if update else post)
    return out


def accounts_named(posts: Iterable[Post]) -> dict[str, str]:
    """{handle (casefolded): account id} as the posts' raw records pair them (e.g. Bluesky mention facets)."""
    found: dict[str, str] = {}
    for post in posts:
        for namer in _NAMERS:
            found.update(namer(post))
    return found

from backfire.sources.detect import detect_format  # noqa: E402
from backfire.sources.reader import map_record, read_posts  # noqa: E402
from backfire.sources.writer import write_posts  # noqa: E402

__all__ = [
    "FORMATS",
    "MissingField",
    "SourceError",
    "UnknownRecord",
    "accounts_named",
    "detect_format",
    "input_id",
    "link_aliases",
    "map_record",
    "read_posts",
    "write_posts",
]

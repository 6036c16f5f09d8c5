"""Writing posts into the SQLite store: new posts, later versions of edited ones, aliases, deletions.

`write_batch` runs inside the caller's transaction. A post is stored once (by `platform:id`) and linked to
every campaign that ingests it. A later version (a larger `edited_at`) replaces the stored one; every
version seen is kept in `post_versions`. A reference (reply, quote, repost) to an alias (a Mastodon
local id, an earlier version's tweet id) is rewritten to the post's id, both when the alias is already
known and when it arrives later. A post whose deletion was seen (before or after it) is marked deleted.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from backfire.model import Deletion, Post, RawRecord

REFS = ("reply_to", "quote_of", "repost_of")
CHUNK = 500  # keys per IN (...) query, well under SQLite's parameter limit


def ts(value: datetime) -> str:
    """Fixed-width UTC text that sorts in time order (the fields as they are: `value` is UTC or naive).

    >>> ts(datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC))
    '2014-04-22T18:02:11.000000Z'
    """
    if value.tzinfo is UTC:  # posts' times: remembered (posts share their seconds)
        return _utc_ts(value)
    return _ts(value)


def from_ts(value: str) -> datetime:
    """The inverse of `ts`: a stored time string back to an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def time_or_none(value: str | None) -> datetime | None:
    return from_ts(value) if value else None


def post_of(data: str, raw: str | None) -> Post:
    """A stored post (its JSON, and its raw record when it was read) back to a `Post`."""
    post = Post.model_validate_json(data)
    post.raw = json.loads(raw) if raw else None
    return post


def _ts(value: datetime) -> str:
    if value.year < 1000:  # strftime's year is not zero-padded there; kept as it always was
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.isoformat(timespec="microseconds")[:26] + "Z"


# keyed by UTC times only: equal datetimes in other zones are other texts
_utc_ts = functools.lru_cache(maxsize=4096)(_ts)


def raw_text(post: Post) -> str | None:
    """The raw record as JSON text: the text it was read from when the reader kept it (`RawRecord`),
    else the record serialised (by orjson, 10 times faster than the json module)."""
    raw = post.raw
    if raw is None:
        return None
    if type(raw) is RawRecord and raw.text is not None:
        return raw.text
    try:
        return orjson.dumps(raw).decode()  # NaN and infinities, which JSON has not, become null
    except TypeError:  # keys that are not text, integers beyond 64 bits, lone surrogates
        return json.dumps(raw, ensure_ascii=False)


def version_of(post: Post) -> str:
    """The text that orders versions of one post: '' for the first, the edit time for later ones."""
    return ts(post.edited_at) if post.edited_at is not None else ""


_NOT_IN_DATA = {"raw", "embedded"}


def post_row(post: Post) -> tuple[Any, ...]:
    data = post.model_dump_json(exclude=_NOT_IN_DATA)
    raw = raw_text(post)
    return (
        post.key, post.platform, post.id, post.author.handle, ts(post.created_at), post.text,
        post.repost_of, post.reply_to, post.quote_of, data, raw, version_of(post), None,
    )


POST_COLUMNS = ("key, platform, id, author, created_at, text, repost_of, reply_to, quote_of, data, raw, "
                "version, deleted_at")


@dataclass
class BatchResult:
    added: int = 0
    duplicates: int = 0
    edited: int = 0


def flatten(post: Post) -> Iterator[tuple[Post, bool]]:
    """The post itself (direct) and every original embedded in it, depth first."""
    yield post, True
    stack = list(post.embedded)
    while stack:
        inner = stack.pop()
        yield inner, False
        stack.extend(inner.embedded)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start: start + CHUNK]


def _lookup(db: Any, sql: str, keys: Iterable[str], before: tuple[Any, ...] = ()) -> dict[str, Any]:
    """{first column: second column} for `sql` (with one `{}` for the IN list, after the parameters
    `before`) over `keys`."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Any] = {}
    for part in _chunks(wanted):
        marks = ",".join("?" * len(part))
        found.update(db.execute(sql.format(marks), (*before, *part)).fetchall())
    return found


def _alias_key(post: Post, alias: str) -> str:
    return f"{post.platform}:{alias}"


def alias_refs(items: list[tuple[Post, bool]]) -> set[str]:
    """The `platform:ref` of every reference in `items` (what may name an alias)."""
    return {_alias_key(p, r) for p, _ in items for f in REFS if (r := getattr(p, f))}


def resolve_with(known: dict[str, str], items: list[tuple[Post, bool]]) -> list[tuple[Post, bool]]:
    """Point references naming an alias in `known` (platform:alias -> key) at the aliased post's id."""
    if not known:
        return items
    out = []
    for post, direct in items:
        update = {f: known[k].split(":", 1)[1] for f in REFS
                  if (r := getattr(post, f)) and (k := _alias_key(post, r)) in known}
        out.append((post.model_copy(update=update) if update else post, direct))
    return out


def resolve_refs(db: Any, items: list[tuple[Post, bool]]) -> list[tuple[Post, bool]]:
    """Point references naming a known alias at the aliased post's id (aliases of this batch included)."""
    refs = alias_refs(items)
    if not refs:
        return items
    return resolve_with(_lookup(db, "SELECT alias, key FROM aliases WHERE alias IN ({})", refs), items)


def plan_versions(items: list[tuple[Post, bool]],
                  stored: dict[str, str]) -> tuple[dict[str, Post], dict[tuple[str, str], Post]]:
    """Which version of each post to keep (`latest`, by key) and which versions join the history (by
    (key, version)), given the versions already `stored` (key -> version)."""
    latest: dict[str, Post] = {}
    history: dict[tuple[str, str], Post] = {}
    for post, _ in items:
        key = post.key
        seen = latest.get(key)
        if seen is None and key not in stored:
            latest[key] = post
            continue
        version = version_of(post)
        base = version_of(seen) if seen is not None else stored[key]
        if version == base:
            continue
        history[(key, version)] = post
        if seen is not None:
            history.setdefault((key, base), seen)
        if version > base:
            latest[key] = post
    return latest, history


def write_batch(db: Any, items: list[tuple[Post, bool]], link: list[tuple[Any, ...]], campaign: str,
                has_tombstones: bool) -> BatchResult:
    """Store `items` (post, direct) and link them to `campaign` (`link`: campaign_posts rows in order)."""
    aliases = [(_alias_key(p, a), p.key) for p, _ in items for a in p.aliases if a != p.id]
    if aliases:
        db.executemany("INSERT OR IGNORE INTO aliases VALUES (?, ?)", aliases)
    items = resolve_refs(db, items)
    stored = _lookup(db, "SELECT key, version FROM posts WHERE key IN ({})", (p.key for p, _ in items))
    latest, history = plan_versions(items, stored)
    for key in {k for k, _ in history if k in stored}:  # the version stored so far joins the history
        db.execute("INSERT OR IGNORE INTO post_versions SELECT key, version, data, raw FROM posts WHERE key = ?",
                   (key,))
    new = [p for k, p in latest.items() if k not in stored]
    db.executemany(f"INSERT OR IGNORE INTO posts ({POST_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   [post_row(p) for p in new])
    _replace(db, [p for k, p in latest.items() if k in stored])
    db.executemany("INSERT OR IGNORE INTO post_versions VALUES (?, ?, ?, ?)",
                   [(k, v, *post_row(p)[9:11]) for (k, v), p in history.items()])
    if aliases:
        _repoint(db, aliases)
    if has_tombstones:
        _apply_tombstones(db, [p for p, _ in items])
    result = BatchResult(edited=len({k for k, _ in history}))
    _link(db, link, result)
    return result


def _replace(db: Any, posts: list[Post]) -> None:
    """Replace stored posts by their later versions (the verdict of the old text is dropped)."""
    db.executemany("UPDATE posts SET author=?, created_at=?, text=?, repost_of=?, reply_to=?, quote_of=?, "
                   "data=?, raw=?, version=? WHERE key=?", [(*post_row(p)[3:12], p.key) for p in posts])
    db.executemany("DELETE FROM verdicts WHERE key = ?", [(p.key,) for p in posts])


def _repoint(db: Any, aliases: list[tuple[str, str]]) -> None:
    """Stored posts referring to one of `aliases` (platform:alias -> key) now refer to the post's id."""
    rows = []
    for alias, key in aliases:
        platform, old = alias.split(":", 1)
        new = key.split(":", 1)[1]
        rows.append((new, new, old, platform))
    for field in ("reply_to", "quote_of"):
        db.executemany(f"UPDATE posts SET {field} = ?, data = json_set(data, '$.{field}', ?) "
                       f"WHERE {field} = ? AND platform = ?", rows)


def _apply_tombstones(db: Any, posts: list[Post]) -> None:
    refs = {p.key: [p.key, *(_alias_key(p, a) for a in p.aliases)] for p in posts}
    found = _lookup(db, "SELECT ref, at FROM tombstones WHERE ref IN ({})", (r for rs in refs.values() for r in rs))
    marks = [(at, key) for key, rs in refs.items() for r in rs if (at := found.get(r))]
    db.executemany("UPDATE posts SET deleted_at = ? WHERE key = ? AND deleted_at IS NULL", marks)


def _link(db: Any, link: list[tuple[Any, ...]], result: BatchResult) -> None:
    direct = [r for r in link if r[4]]
    # an original first seen embedded and now seen directly becomes direct: found before the batch's rows
    # go in (its own embedded rows come after), then updated one by one (usually none)
    embedded = _embedded_links(db, direct)
    before = db.total_changes
    db.executemany("INSERT OR IGNORE INTO campaign_posts VALUES (?,?,?,?,?)", direct)
    added = db.total_changes - before
    before = db.total_changes
    db.executemany("UPDATE campaign_posts SET direct = 1 WHERE campaign = ? AND key = ? AND direct = 0",
                   embedded)
    added += db.total_changes - before
    db.executemany("INSERT OR IGNORE INTO campaign_posts VALUES (?,?,?,?,?)", [r for r in link if not r[4]])
    result.added, result.duplicates = added, len(direct) - added


def _embedded_links(db: Any, direct: list[tuple[Any, ...]]) -> list[tuple[str, str]]:
    """(campaign, key) of the rows among `direct` the campaign holds as embedded only, so far."""
    by_campaign: dict[str, list[str]] = {}
    for row in direct:
        by_campaign.setdefault(row[0], []).append(row[1])
    return [(campaign, key) for campaign, keys in by_campaign.items() for key in _lookup(
        db, "SELECT key, direct FROM campaign_posts WHERE campaign = ? AND direct = 0 AND key IN ({})", keys,
        (campaign,))]


def mark_deleted(db: Any, deletions: Iterable[Deletion]) -> int:
    """Mark the posts `deletions` name as deleted (by id or alias); remember each deletion, so a post
    read later is marked too. Returns how many stored posts were newly marked."""
    marks = [(d.key, ts(d.at or datetime.now(UTC))) for d in deletions]
    db.executemany("INSERT OR IGNORE INTO tombstones VALUES (?, ?)", marks)
    keys = _lookup(db, "SELECT alias, key FROM aliases WHERE alias IN ({})", (ref for ref, _ in marks))
    before = db.total_changes
    db.executemany("UPDATE posts SET deleted_at = ? WHERE key = ? AND deleted_at IS NULL",
                   [(at, keys.get(ref, ref)) for ref, at in marks])
    return int(db.total_changes - before)

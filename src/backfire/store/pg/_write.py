"""Writing posts into the PostgreSQL store, with the semantics of the SQLite store's `store/_posts.py`.

New posts and campaign links are bulk-loaded: COPY into the session's staging tables, then one
`INSERT ... SELECT ... ON CONFLICT DO NOTHING` each, so a batch is idempotent and several processes can
load into one store at once. Arrival order comes from the sequence `campaign_seq` (unique across concurrent writers).
Which version of an edited post is kept, and how aliases resolve, is decided by the same functions as in
SQLite (`_posts.plan_versions`, `_posts.resolve_with`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from backfire.model import Deletion, Post
from backfire.store._posts import (
    POST_COLUMNS,
    BatchResult,
    _alias_key,
    alias_refs,
    plan_versions,
    post_row,
    resolve_with,
    ts,
)
from backfire.store.pg._conn import Conn
from backfire.store.pg._search import fold

_POSTS_STAGE = "LIKE posts INCLUDING DEFAULTS"
_LINKS_STAGE = "LIKE campaign_posts INCLUDING DEFAULTS"
_LINK_COLUMNS = ("campaign", "key", "created_at", "seq", "direct")
_COLUMNS = POST_COLUMNS + ", search"


def searched(post: Post) -> str:
    """What the full-text index reads of `post` (`pg/_search.py`)."""
    return fold(post.text + " " + post.author.handle)


def _lookup(c: Conn, sql: str, keys: Iterable[str]) -> dict[str, Any]:
    """{first column: second column} of `sql` (one `%s` for an array) over `keys`."""
    wanted = list(dict.fromkeys(keys))
    return dict((a, b) for a, b in c.all(sql, (wanted,))) if wanted else {}


def write_batch(c: Conn, items: list[tuple[Post, bool]], campaign: str) -> BatchResult:
    """Store `items` (post, direct) and link them to `campaign`, inside the caller's transaction."""
    # Rows are written in key order, so two writers loading overlapping posts lock them in the same order
    # (in any other order each could wait for the other: a deadlock).
    aliases = sorted(dict.fromkeys((_alias_key(p, a), p.key) for p, _ in items for a in p.aliases if a != p.id),
                     key=lambda row: row[0])  # stable: of two posts claiming one alias the first wins, as in SQLite
    c.many("INSERT INTO aliases VALUES (%s, %s) ON CONFLICT DO NOTHING", aliases)
    refs = alias_refs(items)
    if refs:
        items = resolve_with(_lookup(c, "SELECT alias, key FROM aliases WHERE alias = ANY(%s)", refs), items)
    stored = _lookup(c, "SELECT key, version FROM posts WHERE key = ANY(%s)", (p.key for p, _ in items))
    latest, history = plan_versions(items, stored)
    earlier = sorted({k for k, _ in history if k in stored})
    if earlier:  # the version stored so far joins the history
        c.run("INSERT INTO post_versions SELECT key, version, data, raw FROM posts WHERE key = ANY(%s) "
              "ON CONFLICT DO NOTHING", (earlier,))
    new = [(*post_row(p), searched(p)) for k, p in sorted(latest.items()) if k not in stored]
    if new:
        c.stage("in_posts", _POSTS_STAGE, _COLUMNS.split(", "), new)
        c.run(f"INSERT INTO posts ({_COLUMNS}) SELECT {_COLUMNS} FROM in_posts ORDER BY key ON CONFLICT DO NOTHING")
    for post in (p for k, p in sorted(latest.items()) if k in stored):  # later versions replace stored posts
        row = post_row(post)
        c.run("UPDATE posts SET author=%s, created_at=%s, text=%s, repost_of=%s, reply_to=%s, quote_of=%s, "
              "data=%s, raw=%s, version=%s, search=%s WHERE key=%s", (*row[3:12], searched(post), post.key))
        c.run("DELETE FROM verdicts WHERE key = %s", (post.key,))  # the verdict of the old text is dropped
    c.many("INSERT INTO post_versions VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
           [(k, v, *post_row(p)[9:11]) for (k, v), p in sorted(history.items(), key=lambda kv: kv[0])])
    for alias, key in aliases:
        _repoint(c, alias, key)
    if c.scalar("SELECT EXISTS (SELECT 1 FROM tombstones)"):
        _apply_tombstones(c, [p for p, _ in items])
    result = BatchResult(edited=len({k for k, _ in history}))
    _link(c, items, campaign, result)
    return result


def _repoint(c: Conn, alias: str, key: str) -> None:
    """Stored posts referring to `alias` (platform:alias) now refer to the post's id (the JSON is edited in
    Python: a post's JSON may hold a \\u0000 escape, which PostgreSQL's jsonb refuses)."""
    platform, old = alias.split(":", 1)
    new = key.split(":", 1)[1]
    for field in ("reply_to", "quote_of"):
        rows = c.all(f"SELECT key, data FROM posts WHERE {field} = %s AND platform = %s ORDER BY key", (old, platform))
        for stored_key, data in rows:
            c.run(f"UPDATE posts SET {field} = %s, data = %s WHERE key = %s",
                  (new, json.dumps({**json.loads(data), field: new}, ensure_ascii=False), stored_key))


def _apply_tombstones(c: Conn, posts: list[Post]) -> None:
    refs = {p.key: [p.key, *(_alias_key(p, a) for a in p.aliases)] for p in posts}
    found = _lookup(c, "SELECT ref, at FROM tombstones WHERE ref = ANY(%s)", (r for rs in refs.values() for r in rs))
    marks = sorted(((at, key) for key, rs in refs.items() for r in rs if (at := found.get(r))), key=lambda m: m[1])
    c.many("UPDATE posts SET deleted_at = %s WHERE key = %s AND deleted_at IS NULL", marks)


def _link(c: Conn, items: list[tuple[Post, bool]], campaign: str, result: BatchResult) -> None:
    """Link `items` to `campaign` numbered in arrival order (as SQLite numbers them, embedded originals
    included), new direct rows first, then embedded originals, as `store/_posts._link` does."""
    seqs = [r[0] for r in c.all("SELECT nextval('campaign_seq') FROM generate_series(1, %s)", (len(items),))]
    rows = [(campaign, p.key, ts(p.created_at), seq, int(direct)) for seq, (p, direct) in zip(seqs, items, strict=True)]
    c.stage("in_links", _LINKS_STAGE, _LINK_COLUMNS, rows)
    insert = ("INSERT INTO campaign_posts (campaign, key, created_at, seq, direct) "
              "SELECT campaign, key, created_at, seq, direct FROM in_links WHERE direct = %s ORDER BY campaign, key "
              "ON CONFLICT DO NOTHING")
    added = c.run(insert, (1,))
    # an original first seen embedded and now seen directly becomes direct
    added += c.run("UPDATE campaign_posts c SET direct = 1 FROM (SELECT DISTINCT campaign, key FROM in_links "
                   "WHERE direct = 1) t WHERE c.campaign = t.campaign AND c.key = t.key AND c.direct = 0")
    c.run(insert, (0,))
    result.added, result.duplicates = added, sum(1 for _, d in items if d) - added


def mark_deleted(c: Conn, deletions: Iterable[Deletion]) -> int:
    """Mark the posts `deletions` name as deleted (by id or alias); remember each deletion, so a post
    read later is marked too. Returns how many stored posts were newly marked."""
    marked = 0
    for d in deletions:
        at = ts(d.at or datetime.now(UTC))
        c.run("INSERT INTO tombstones VALUES (%s, %s) ON CONFLICT DO NOTHING", (d.key, at))
        key = c.scalar("SELECT key FROM aliases WHERE alias = %s", (d.key,)) or d.key
        marked += c.run("UPDATE posts SET deleted_at = %s WHERE key = %s AND deleted_at IS NULL", (at, key))
    return marked

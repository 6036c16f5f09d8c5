"""Read-only aggregates the dashboard draws from, computed in SQL (a page never loads a campaign's posts).

A mixin of `SQLiteStore`. Counts leave deleted posts out, as `posts()` does. Full-text search uses the
FTS5 table `posts_fts`, filled lazily: `index_search` adds the posts stored since it last ran.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from typing import Any

from backfire.model import Post, Verdict
from backfire.store._posts import time_or_none
from backfire.store._tx import immediate

_FROM = ("FROM campaign_posts c JOIN posts p ON p.key = c.key "
         "LEFT JOIN verdicts v ON v.campaign = c.campaign AND v.key = c.key ")
_LIVE = "c.campaign = ? AND p.deleted_at IS NULL"


def fts_query(text: str) -> str:
    """A user's search words as an FTS5 query: each word quoted (no operators), all required.

    >>> print(fts_query('gentle OR x*'))
    "gentle" "OR" "x*"
    """
    return " ".join('"' + word.replace('"', '""') + '"' for word in text.split())


class AggregateSQL:
    """Aggregates over one campaign's stored posts and verdicts."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    def _rows(self, sql: str, args: tuple[Any, ...] | list[Any]) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def data_version(self) -> int:
        """Changes whenever another connection commits to the file (SQLite's `PRAGMA data_version`)."""
        return int(self._rows("PRAGMA data_version", ())[0][0])

    def own_changes(self) -> int:
        """Rows this connection has changed since it opened (what `data_version` does not see)."""
        with self._lock:
            return int(self._db.total_changes)

    def stance_counts(self, campaign: str) -> dict[str, int]:
        """Posts by stance ('unclassified' for those without a verdict), plus 'reposts'."""
        rows = self._rows(f"SELECT COALESCE(v.stance, 'unclassified'), COUNT(*), "
                          f"SUM(p.repost_of IS NOT NULL) {_FROM} WHERE {_LIVE} GROUP BY 1", (campaign,))
        out = {s: int(n) for s, n, _ in rows}
        out["reposts"] = sum(int(r or 0) for _, _, r in rows)
        return out

    def time_span(self, campaign: str) -> tuple[datetime | None, datetime | None]:
        """The campaign's first and last post times (deleted posts included; read from the time index)."""
        lo = self._rows("SELECT MIN(created_at) FROM campaign_posts WHERE campaign = ?", (campaign,))[0][0]
        hi = self._rows("SELECT MAX(created_at) FROM campaign_posts WHERE campaign = ?", (campaign,))[0][0]
        return (time_or_none(lo), time_or_none(hi))

    def live_count(self, campaign: str) -> int:
        """The campaign's posts, deleted ones left out (counted from the time index and the deleted posts)."""
        total = self._rows("SELECT COUNT(*) FROM campaign_posts WHERE campaign = ?", (campaign,))[0][0]
        gone = self._rows("SELECT COUNT(*) FROM posts p JOIN campaign_posts c ON c.campaign = ? AND c.key = p.key "
                          "WHERE p.deleted_at IS NOT NULL", (campaign,))[0][0]
        return int(total) - int(gone)

    def time_at_rank(self, campaign: str, rank: int, descending: bool = False) -> str | None:
        """The time (stored text) of the campaign's `rank`-th post in time order (0-based; from the last
        post back with `descending`), deleted posts left out."""
        order = "DESC" if descending else ""
        rows = self._rows("SELECT c.created_at FROM campaign_posts c JOIN posts p ON p.key = c.key "
                          f"WHERE {_LIVE} ORDER BY c.created_at {order} LIMIT 1 OFFSET ?", (campaign, max(0, rank)))
        return rows[0][0] if rows else None

    def stance_bins(self, campaign: str, t0: int, bin_seconds: int, start: str,
                    end: str) -> list[tuple[int, str, int, int]]:
        """(bin index, stance, posts, reposts among them) for posts in [start, end) (stored time texts), bins
        of `bin_seconds` counted from unix time `t0`."""
        rows = self._rows(
            f"SELECT (unixepoch(c.created_at) - ?) / ? AS b, COALESCE(v.stance, 'unclassified'), COUNT(*), "
            f"SUM(p.repost_of IS NOT NULL) {_FROM} WHERE {_LIVE} AND c.created_at >= ? AND c.created_at < ? "
            "GROUP BY b, 2", (t0, bin_seconds, campaign, start, end))
        return [(int(b), s, int(n), int(r or 0)) for b, s, n, r in rows]

    def posts_outside(self, campaign: str, start: str, end: str,
                      limit: int = 20) -> tuple[int, int, list[Any], list[tuple[str, int, int]]]:
        """Posts before `start` and from `end` on: (how many before, how many after, the first `limit`
        of them as (key, time, stance), and (stance, posts, reposts) rows counting them)."""
        rows = self._rows(f"SELECT c.created_at < ?, COALESCE(v.stance, 'unclassified'), COUNT(*), "
                          f"SUM(p.repost_of IS NOT NULL) {_FROM} WHERE {_LIVE} AND "
                          "(c.created_at < ? OR c.created_at >= ?) GROUP BY 1, 2", (start, campaign, start, end))
        before = sum(int(n) for early, _, n, _ in rows if early)
        after = sum(int(n) for early, _, n, _ in rows if not early)
        sample = self._rows(f"SELECT c.key, c.created_at, v.stance {_FROM} WHERE {_LIVE} AND "
                            "(c.created_at < ? OR c.created_at >= ?) ORDER BY c.created_at LIMIT ?",
                            (campaign, start, end, limit))
        return before, after, sample, [(s, int(n), int(r or 0)) for _, s, n, r in rows]

    def index_search(self) -> int:
        """Add the posts stored since the last call to the search index; returns how many."""
        with self._lock, immediate(self._db) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'fts_rowid'").fetchone()
            done = int(row[0]) if row else 0
            top = db.execute("SELECT COALESCE(MAX(rowid), 0) FROM posts").fetchone()[0]
            if top > done:
                db.execute("INSERT INTO posts_fts (rowid, text, author) SELECT rowid, text, author "
                           "FROM posts WHERE rowid > ? AND rowid <= ?", (done, top))
                db.execute("INSERT OR REPLACE INTO meta VALUES ('fts_rowid', ?)", (str(top),))
        return max(0, int(top) - done)

    def search_posts(self, campaign: str, query: str = "", stance: str | None = None, author: str | None = None,
                     since: str | None = None, until: str | None = None, limit: int = 50,
                     offset: int = 0) -> tuple[int, list[tuple[Post, Verdict | None]]]:
        """The campaign's posts matching every filter, newest first: (how many match, one page of them).
        `query` is full-text (words, all required), `since`/`until` stored time texts."""
        where, args = [_LIVE], [campaign]
        if query.strip():
            self.index_search()
            where.append("p.rowid IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)")
            args.append(fts_query(query))
        if stance:
            where.append("v.stance IS NULL" if stance == "unclassified" else "v.stance = ?")
            args += [] if stance == "unclassified" else [stance]
        if author:
            where.append("p.author = ? COLLATE NOCASE")
            args.append(author.lstrip("@"))
        if since:
            where.append("c.created_at >= ?")
            args.append(since)
        if until:
            where.append("c.created_at < ?")
            args.append(until)
        cond = " AND ".join(where)
        total = int(self._rows(f"SELECT COUNT(*) {_FROM} WHERE {cond}", args)[0][0])
        rows = self._rows(f"SELECT p.data, v.data {_FROM} WHERE {cond} ORDER BY c.created_at DESC, c.seq DESC "
                          "LIMIT ? OFFSET ?", [*args, limit, offset])
        return total, [(Post.model_validate_json(d), Verdict.model_validate_json(v) if v else None) for d, v in rows]

    def posts_by_key(self, campaign: str, keys: list[str]) -> dict[str, tuple[Post, Verdict | None, bool]]:
        """Posts of the campaign by key: (post, verdict, deleted)."""
        out: dict[str, tuple[Post, Verdict | None, bool]] = {}
        for start in range(0, len(keys), 500):
            part = keys[start: start + 500]
            rows = self._rows(
                "SELECT p.key, p.data, v.data, p.deleted_at IS NOT NULL FROM posts p LEFT JOIN verdicts v "
                f"ON v.campaign = ? AND v.key = p.key WHERE p.key IN ({','.join('?' * len(part))})",
                [campaign, *part])
            for key, data, verdict, deleted in rows:
                out[key] = (Post.model_validate_json(data), Verdict.model_validate_json(verdict) if verdict else None,
                            bool(deleted))
        return out


"""Read-only aggregates the dashboard draws from, in PostgreSQL (as `store/_aggregate.py` for SQLite).

A mixin of `PostgresStore`. Counts leave deleted posts out, as `posts()` does. Search uses PostgreSQL's
full-text search with the `simple` configuration over `posts.search`, the text and author as the writer
folded them (`pg/_search.py`: diacritics and punctuation gone, as FTS5 folds them), on a GIN index that
PostgreSQL keeps current (so `index_search` has nothing to do): every word of the query is required,
each as a phrase of its own tokens, as SQLite's FTS5 query (`_aggregate.fts_query`) does.
`data_version` sums the change counter every writing transaction bumps once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backfire.model import Post, Verdict
from backfire.store._posts import time_or_none
from backfire.store.pg._conn import Conn
from backfire.store.pg._search import fold

_FROM = ("FROM campaign_posts c JOIN posts p ON p.key = c.key "
         "LEFT JOIN verdicts v ON v.campaign = c.campaign AND v.key = c.key ")
_LIVE = "c.campaign = %s AND p.deleted_at IS NULL"
_DOC = "to_tsvector('simple'::regconfig, p.search)"  # what posts_search indexes
_WORD = "phraseto_tsquery('simple'::regconfig, %s)"  # one word of a search, as a phrase


class AggregatePG:
    """Aggregates over one campaign's stored posts and verdicts."""

    _c: Conn

    def data_version(self) -> int:
        """Changes whenever a connection commits a write (this one's own commits included)."""
        return int(self._c.scalar("SELECT COALESCE(SUM(n), 0) FROM changes"))

    def own_changes(self) -> int:
        """Rows this connection has changed since it opened."""
        return self._c.changes

    def stance_counts(self, campaign: str) -> dict[str, int]:
        """Posts by stance ('unclassified' for those without a verdict), plus 'reposts'."""
        rows = self._c.all(f"SELECT COALESCE(v.stance, 'unclassified'), COUNT(*), COUNT(p.repost_of) {_FROM} "
                           f"WHERE {_LIVE} GROUP BY 1", (campaign,))
        out = {s: int(n) for s, n, _ in rows}
        out["reposts"] = sum(int(r or 0) for _, _, r in rows)
        return out

    def time_span(self, campaign: str) -> tuple[datetime | None, datetime | None]:
        """The campaign's first and last post times (deleted posts included)."""
        row = self._c.one("SELECT MIN(created_at), MAX(created_at) FROM campaign_posts WHERE campaign = %s",
                          (campaign,))
        return (time_or_none(row[0]), time_or_none(row[1])) if row else (None, None)

    def live_count(self, campaign: str) -> int:
        """The campaign's posts, deleted ones left out."""
        total = self._c.scalar("SELECT COUNT(*) FROM campaign_posts WHERE campaign = %s", (campaign,))
        gone = self._c.scalar("SELECT COUNT(*) FROM posts p JOIN campaign_posts c ON c.campaign = %s AND "
                              "c.key = p.key WHERE p.deleted_at IS NOT NULL", (campaign,))
        return int(total) - int(gone)

    def time_at_rank(self, campaign: str, rank: int, descending: bool = False) -> str | None:
        """The time (stored text) of the campaign's `rank`-th post in time order (0-based; from the last
        post back with `descending`), deleted posts left out."""
        order = "DESC" if descending else ""
        row = self._c.one("SELECT c.created_at FROM campaign_posts c JOIN posts p ON p.key = c.key "
                          f"WHERE {_LIVE} ORDER BY c.created_at {order} LIMIT 1 OFFSET %s", (campaign, max(0, rank)))
        return row[0] if row else None

    def stance_bins(self, campaign: str, t0: int, bin_seconds: int, start: str,
                    end: str) -> list[tuple[int, str, int, int]]:
        """(bin index, stance, posts, reposts among them) for posts in [start, end) (stored time texts), bins
        of `bin_seconds` counted from unix time `t0`."""
        rows = self._c.all(
            "SELECT (floor(extract(epoch FROM c.created_at::timestamptz))::bigint - %s) / %s AS b, "
            f"COALESCE(v.stance, 'unclassified'), COUNT(*), COUNT(p.repost_of) {_FROM} WHERE {_LIVE} AND "
            "c.created_at >= %s AND c.created_at < %s GROUP BY 1, 2", (t0, bin_seconds, campaign, start, end))
        return [(int(b), s, int(n), int(r or 0)) for b, s, n, r in rows]

    def posts_outside(self, campaign: str, start: str, end: str,
                      limit: int = 20) -> tuple[int, int, list[Any], list[tuple[str, int, int]]]:
        """Posts before `start` and from `end` on: (how many before, how many after, the first `limit`
        of them as (key, time, stance), and (stance, posts, reposts) rows counting them)."""
        rows = self._c.all(f"SELECT c.created_at < %s, COALESCE(v.stance, 'unclassified'), COUNT(*), "
                           f"COUNT(p.repost_of) {_FROM} WHERE {_LIVE} AND (c.created_at < %s OR c.created_at >= %s) "
                           "GROUP BY 1, 2", (start, campaign, start, end))
        before = sum(int(n) for early, _, n, _ in rows if early)
        after = sum(int(n) for early, _, n, _ in rows if not early)
        sample = self._c.all(f"SELECT c.key, c.created_at, v.stance {_FROM} WHERE {_LIVE} AND "
                             "(c.created_at < %s OR c.created_at >= %s) ORDER BY c.created_at LIMIT %s",
                             (campaign, start, end, limit))
        return before, after, sample, [(s, int(n), int(r or 0)) for _, s, n, r in rows]

    def index_search(self) -> int:
        """Nothing to add: PostgreSQL keeps the full-text index current as posts are written."""
        return 0

    def search_posts(self, campaign: str, query: str = "", stance: str | None = None, author: str | None = None,
                     since: str | None = None, until: str | None = None, limit: int = 50,
                     offset: int = 0) -> tuple[int, list[tuple[Post, Verdict | None]]]:
        """The campaign's posts matching every filter, newest first: (how many match, one page of them).
        `query` is full-text (words, all required), `since`/`until` stored time texts."""
        where, args = [_LIVE], [campaign]
        words = query.split()
        if words:
            where.append(f"{_DOC} @@ (" + " && ".join([_WORD] * len(words)) + ")")
            args += [fold(w) for w in words]
        if stance:
            where.append("v.stance IS NULL" if stance == "unclassified" else "v.stance = %s")
            args += [] if stance == "unclassified" else [stance]
        if author:
            where.append("lower(p.author) = lower(%s)")
            args.append(author.lstrip("@"))
        if since:
            where.append("c.created_at >= %s")
            args.append(since)
        if until:
            where.append("c.created_at < %s")
            args.append(until)
        cond = " AND ".join(where)
        total = int(self._c.scalar(f"SELECT COUNT(*) {_FROM} WHERE {cond}", args))
        rows = self._c.all(f"SELECT p.data, v.data {_FROM} WHERE {cond} ORDER BY c.created_at DESC, c.seq DESC "
                           "LIMIT %s OFFSET %s", [*args, limit, offset])
        return total, [(Post.model_validate_json(d), Verdict.model_validate_json(v) if v else None) for d, v in rows]

    def posts_by_key(self, campaign: str, keys: list[str]) -> dict[str, tuple[Post, Verdict | None, bool]]:
        """Posts of the campaign by key: (post, verdict, deleted)."""
        rows = self._c.all("SELECT p.key, p.data, v.data, p.deleted_at IS NOT NULL FROM posts p LEFT JOIN verdicts v "
                           "ON v.campaign = %s AND v.key = p.key WHERE p.key = ANY(%s)", (campaign, list(keys)))
        return {key: (Post.model_validate_json(data), Verdict.model_validate_json(verdict) if verdict else None,
                      bool(deleted)) for key, data, verdict, deleted in rows}

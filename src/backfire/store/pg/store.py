"""The shared store of the scale-out deployment: PostgreSQL, through psycopg 3, selected by a URL.

Same semantics as `SQLiteStore` (the store conformance suite runs against both). Several processes may
use one database at once, each with its own connection; a store pickles as its URL, so a worker process
reopens it. The schema is created and upgraded by Alembic when the store opens (`store/_schema.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import psycopg

from backfire.model import Alarm, Campaign, Deletion, Post, Quarantined, Verdict
from backfire.redact import redact_url
from backfire.store._posts import flatten, from_ts, post_of, ts
from backfire.store._schema import HEAD, postgres_revision, upgrade_postgres
from backfire.store.base import AddResult, Gap, Label, Store, StoreUnavailable
from backfire.store.pg import _write
from backfire.store.pg._aggregate import AggregatePG
from backfire.store.pg._conn import Conn
from backfire.store.pg._curation import CurationPG

_LIVE = " AND p.deleted_at IS NULL"
PAGE = 2000  # posts per read of `posts()`; no read stays open between pages
ANALYZE_GROWTH = 0.2  # a bulk load that grew a table by this share (and by ANALYZE_ROWS) refreshes its statistics
ANALYZE_ROWS = 10_000


class PostgresStore(CurationPG, AggregatePG, Store):
    """A `Store` in a PostgreSQL database (or schema: `?options=-csearch_path%3Dname` in the URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self._c = Conn(url)
        except psycopg.OperationalError as exc:
            reason = " ".join(str(exc).split())
            raise StoreUnavailable(f"cannot open the PostgreSQL store {self.where()}: {reason}") from None
        self._grown: dict[str, int] = {}
        if postgres_revision(self._c.db) != HEAD:
            upgrade_postgres(url)

    def __repr__(self) -> str:
        return f"PostgresStore(url={self.where()!r})"

    def where(self) -> str:
        return redact_url(self.url)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its URL: another process (a Ray worker) opens its own connection."""
        return (type(self), (self.url,))

    # -- campaigns -------------------------------------------------------------------------------
    def save_campaign(self, campaign: Campaign) -> None:
        self._c.run("INSERT INTO campaigns VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET data = excluded.data",
                    (campaign.name, campaign.model_dump_json()))

    def campaign(self, name: str) -> Campaign | None:
        row = self._c.one("SELECT data FROM campaigns WHERE name = %s", (name,))
        return Campaign.model_validate_json(row[0]) if row else None

    def campaigns(self) -> list[Campaign]:
        return [Campaign.model_validate_json(r[0]) for r in self._c.all("SELECT data FROM campaigns ORDER BY name")]

    # -- posts -----------------------------------------------------------------------------------
    def add_posts(self, posts: Iterable[Post], campaign: str, cursor: tuple[str, str] | None = None) -> AddResult:
        items = [pair for post in posts for pair in flatten(post)]
        with self._c.tx() as c:
            result = _write.write_batch(c, items, campaign)
            if cursor is not None:
                self._set_cursor(*cursor)
        self._grew(("campaign_posts", "posts"), result.added)
        return AddResult(added=result.added, duplicates=result.duplicates, edited=result.edited)

    def mark_deleted(self, deletions: Iterable[Deletion], cursor: tuple[str, str] | None = None) -> int:
        with self._c.tx() as c:
            marked = _write.mark_deleted(c, deletions)
            if cursor is not None:
                self._set_cursor(*cursor)
        return marked

    def versions(self, key: str) -> list[Post]:
        rows = self._c.all("SELECT data, raw FROM post_versions WHERE key = %s ORDER BY version", (key,))
        return [post_of(d, r) for d, r in rows]

    def is_deleted(self, key: str) -> bool:
        row = self._c.one("SELECT deleted_at FROM posts WHERE key = %s", (key,))
        return bool(row and row[0])

    def count_deleted(self, campaign: str) -> int:
        return int(self._c.scalar("SELECT COUNT(*) FROM campaign_posts c JOIN posts p ON p.key = c.key "
                                  "WHERE c.campaign = %s AND c.direct = 1 AND p.deleted_at IS NOT NULL", (campaign,)))

    def posts(self, campaign: str, since: datetime | None = None, direct_only: bool = False,
              include_deleted: bool = False, with_raw: bool = True) -> Iterator[Post]:
        """The campaign's posts in time order (ties in arrival order), read a page at a time."""
        sql = (
            f"SELECT c.created_at, c.seq, p.data, {'p.raw' if with_raw else 'NULL'} FROM campaign_posts c "
            "JOIN posts p ON p.key = c.key "
            "WHERE c.campaign = %s AND (c.created_at, c.seq) > (%s, %s)" + (" AND c.direct = 1" if direct_only else "")
            + ("" if include_deleted else _LIVE) + f" ORDER BY c.created_at, c.seq LIMIT {PAGE}"
        )
        after: tuple[str, int] = (ts(since) if since else "", -1)
        while True:
            rows = self._c.all(sql, (campaign, *after))
            for _, _, data, raw in rows:
                yield post_of(data, raw)
            if len(rows) < PAGE:
                return
            after = (rows[-1][0], rows[-1][1])

    def count_posts(self, campaign: str | None = None, direct_only: bool = False,
                    include_deleted: bool = False) -> int:
        where, args = ["TRUE"], []
        if campaign is not None:
            where.append("c.campaign = %s")
            args.append(campaign)
        if direct_only:
            where.append("c.direct = 1")
        live = "" if include_deleted else _LIVE
        sql = "SELECT COUNT(*) FROM campaign_posts c JOIN posts p ON p.key = c.key WHERE " + " AND ".join(where) + live
        if campaign is None and not direct_only:
            sql = "SELECT COUNT(*) FROM posts p WHERE TRUE" + live
        return int(self._c.scalar(sql, args))

    def get_post(self, key: str) -> Post | None:
        row = self._c.one("SELECT data, raw FROM posts WHERE key = %s", (key,))
        return post_of(row[0], row[1]) if row else None

    # -- quarantine ------------------------------------------------------------------------------
    def add_quarantined(self, items: Iterable[Quarantined], campaign: str | None = None) -> int:
        rows = [(campaign or "", q.path, q.line, q.reason, q.snippet, q.format, q.part, q.record_id) for q in items]
        with self._c.tx() as c:
            return c.many("INSERT INTO quarantine VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING", rows)

    def quarantined(self, campaign: str | None = None) -> Iterator[Quarantined]:
        sql = "SELECT path, line, reason, snippet, format, part, record_id FROM quarantine"
        args: tuple[Any, ...] = ()
        if campaign is not None:
            sql, args = sql + " WHERE campaign = %s", (campaign,)
        for path, line, reason, snippet, fmt, part, rid in self._c.all(sql + " ORDER BY path, line, part", args):
            yield Quarantined(path=path, line=line, reason=reason, snippet=snippet, format=fmt, part=part,
                              record_id=rid)

    # -- verdicts and alarms ---------------------------------------------------------------------
    def save_verdicts(self, campaign: str, pairs: Iterable[tuple[str, Verdict]]) -> None:
        rows = [(campaign, key, v.stance, v.p_hostile, v.model_dump_json(), n) for n, (key, v) in enumerate(pairs)]
        if not rows:
            return
        with self._c.tx() as c:  # COPY, then one upsert; of two verdicts for one post the later wins
            columns = ("campaign", "key", "stance", "p_hostile", "data", "ord")
            c.stage("in_verdicts", "LIKE verdicts, ord BIGINT", columns, rows)
            c.run("INSERT INTO verdicts SELECT DISTINCT ON (campaign, key) campaign, key, stance, p_hostile, data "
                  "FROM in_verdicts ORDER BY campaign, key, ord DESC ON CONFLICT (campaign, key) DO UPDATE SET "
                  "stance = excluded.stance, p_hostile = excluded.p_hostile, data = excluded.data")
        self._grew(("verdicts",), len(rows))

    def _grew(self, tables: tuple[str, ...], rows: int) -> None:
        """After a bulk load, refresh the planner's statistics of `tables` when this connection grew them by a
        fifth since (autovacuum would, within a minute or so; until then a freshly loaded campaign is read
        with the plan of an empty table: a sort of all its rows for every page of `posts()`)."""
        grown = self._grown[tables[0]] = self._grown.get(tables[0], 0) + rows
        if grown < ANALYZE_ROWS:
            return
        known = self._c.scalar("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", (tables[0],))
        if grown >= ANALYZE_GROWTH * max(float(known or 0), 0.0):
            self._c.run(f"ANALYZE {', '.join(tables)}")
            self._grown[tables[0]] = 0

    def verdicts(self, campaign: str) -> dict[str, Verdict]:
        rows = self._c.all("SELECT key, data FROM verdicts WHERE campaign = %s", (campaign,))
        return {key: Verdict.model_validate_json(data) for key, data in rows}

    def count_verdicts(self, campaign: str) -> int:
        return int(self._c.scalar("SELECT COUNT(*) FROM verdicts WHERE campaign = %s AND key NOT IN "
                                  "(SELECT key FROM posts WHERE deleted_at IS NOT NULL)", (campaign,)))

    def save_alarm(self, campaign: str, alarm: Alarm) -> None:
        self._c.run("INSERT INTO alarms VALUES (%s,%s,%s,%s) ON CONFLICT (campaign, at, severity) "
                    "DO UPDATE SET data = excluded.data",
                    (campaign, ts(alarm.at), alarm.severity, alarm.model_dump_json()))

    def alarms(self, campaign: str) -> list[Alarm]:
        rows = self._c.all("SELECT data FROM alarms WHERE campaign = %s ORDER BY at", (campaign,))
        return [Alarm.model_validate_json(r[0]) for r in rows]

    # -- live streams ----------------------------------------------------------------------------
    def get_cursor(self, name: str) -> str | None:
        row = self._c.one("SELECT value FROM cursors WHERE name = %s", (name,))
        return row[0] if row else None

    def _set_cursor(self, name: str, value: str) -> None:
        self._c.run("INSERT INTO cursors VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    (name, value))

    def set_cursor(self, name: str, value: str) -> None:
        self._set_cursor(name, value)

    def add_gap(self, gap: Gap) -> None:
        end = ts(gap.end) if gap.end else None
        self._c.run('INSERT INTO gaps VALUES (%s,%s,%s,%s) ON CONFLICT (source, start) '
                    'DO UPDATE SET "end" = excluded."end", reason = excluded.reason',
                    (gap.source, ts(gap.start), end, gap.reason))

    def gaps(self, source: str | None = None) -> list[Gap]:
        sql, args = 'SELECT source, start, "end", reason FROM gaps', tuple[str, ...]()
        if source is not None:
            sql, args = sql + " WHERE source = %s", (source,)
        return [Gap(s, from_ts(a), from_ts(b) if b else None, r)
                for s, a, b, r in self._c.all(sql + " ORDER BY start", args)]

    # -- reviewer labels -------------------------------------------------------------------------
    def add_label(self, label: Label) -> None:
        self._c.run("INSERT INTO labels (campaign, key, stance, reviewer, reason, at) VALUES (%s,%s,%s,%s,%s,%s)",
                    (label.campaign, label.post_key, label.stance, label.reviewer, label.reason, ts(label.at)))

    def labels(self, campaign: str) -> list[Label]:
        rows = self._c.all("SELECT campaign, key, stance, reviewer, reason, at FROM labels WHERE campaign = %s "
                           "ORDER BY n", (campaign,))
        return [Label(c, k, s, rv, rs, from_ts(at)) for c, k, s, rv, rs, at in rows]

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self._c.close()

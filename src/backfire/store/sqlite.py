"""The embedded default store: one SQLite file in WAL mode."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from backfire.model import Alarm, Campaign, Deletion, Post, Quarantined, Verdict
from backfire.store import _posts
from backfire.store._aggregate import AggregateSQL
from backfire.store._curation import CurationSQL
from backfire.store._migrate import migrate
from backfire.store._posts import flatten, from_ts, post_of, ts
from backfire.store._schema import HEAD, sqlite_revision, upgrade_sqlite
from backfire.store._tx import BUSY_TIMEOUT_MS, immediate
from backfire.store.base import AddResult, Gap, Label, Store

SCHEMA_VERSION = "5"  # of the hand-rolled migrations; later schema changes are Alembic revisions (_schema.HEAD)
# schema 4: sequence numbers unique across writers (renumbered in place); 5: explanations
_LIVE = " AND p.deleted_at IS NULL"
PAGE = 2000  # posts per read of `posts()`; no read stays open between pages


def renumber(db: sqlite3.Connection) -> None:
    """Give every campaign row its own sequence number (earlier versions let two concurrent writers hand
    out the same ones), keeping arrival order: rows are numbered by (seq, rowid)."""
    dup = db.execute("SELECT COUNT(*) - COUNT(DISTINCT seq) FROM campaign_posts").fetchone()[0]
    if dup:
        db.execute("CREATE TEMP TABLE renumber (r INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        db.execute("INSERT INTO renumber SELECT rowid, ROW_NUMBER() OVER (ORDER BY seq, rowid) FROM campaign_posts")
        db.execute("UPDATE campaign_posts SET seq = (SELECT n FROM renumber WHERE r = campaign_posts.rowid)")
        db.execute("DROP TABLE renumber")


class SQLiteStore(CurationSQL, AggregateSQL, Store):
    """A `Store` in one SQLite file. Safe to share between threads (one lock around the connection)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if self._schema_version() != SCHEMA_VERSION or sqlite_revision(self._db) != HEAD:
            migrate(self._db)  # a store written by an earlier version gains the columns and tables it lacks
            with immediate(self._db):  # the write lock first: several processes opening one new file
                legacy = self._schema_version() != SCHEMA_VERSION  # a new file, or one of schema 1 to 4
                if legacy and sqlite_revision(self._db) is not None:  # re-run the baseline: it adds what is missing
                    self._db.execute("DELETE FROM alembic_version")
                if sqlite_revision(self._db) != HEAD:
                    upgrade_sqlite(self._db)  # Alembic: creates what is missing, then newer revisions
                if legacy:
                    renumber(self._db)

    def _schema_version(self) -> str | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:  # a new file: no tables yet
            return None
        return str(row[0]) if row else None

    def __repr__(self) -> str:
        return f"SQLiteStore(path={self.path!r})"

    def where(self) -> str:
        return self.path

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its path: another process (a Ray worker) opens its own connection to the file."""
        return (type(self), (self.path,))

    # -- campaigns -------------------------------------------------------------------------------
    def save_campaign(self, campaign: Campaign) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO campaigns VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data",
                (campaign.name, campaign.model_dump_json()),
            )

    def campaign(self, name: str) -> Campaign | None:
        row = self._one("SELECT data FROM campaigns WHERE name = ?", (name,))
        return Campaign.model_validate_json(row[0]) if row else None

    def campaigns(self) -> list[Campaign]:
        rows = self._all("SELECT data FROM campaigns ORDER BY name", ())
        return [Campaign.model_validate_json(r[0]) for r in rows]

    # -- posts -----------------------------------------------------------------------------------
    def add_posts(
        self, posts: Iterable[Post], campaign: str, cursor: tuple[str, str] | None = None
    ) -> AddResult:
        items = [pair for post in posts for pair in flatten(post)]
        with self._lock, immediate(self._db) as db:
            # numbered inside the write lock: concurrent writers never hand out the same sequence number
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM campaign_posts").fetchone()[0]
            link_rows = [(campaign, item.key, ts(item.created_at), seq + n, int(direct))
                         for n, (item, direct) in enumerate(items, 1)]
            tombstones = db.execute("SELECT EXISTS (SELECT 1 FROM tombstones)").fetchone()[0] == 1
            result = _posts.write_batch(db, items, link_rows, campaign, tombstones)
            if cursor is not None:
                db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", cursor)
        return AddResult(added=result.added, duplicates=result.duplicates, edited=result.edited)

    def mark_deleted(self, deletions: Iterable[Deletion], cursor: tuple[str, str] | None = None) -> int:
        with self._lock, immediate(self._db) as db:
            marked = _posts.mark_deleted(db, deletions)
            if cursor is not None:
                db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", cursor)
        return marked

    def versions(self, key: str) -> list[Post]:
        rows = self._all("SELECT data, raw FROM post_versions WHERE key = ? ORDER BY version", (key,))
        return [post_of(d, r) for d, r in rows]

    def is_deleted(self, key: str) -> bool:
        row = self._one("SELECT deleted_at FROM posts WHERE key = ?", (key,))
        return bool(row and row[0])

    def count_deleted(self, campaign: str) -> int:
        row = self._one("SELECT COUNT(*) FROM campaign_posts c JOIN posts p ON p.key = c.key "
                        "WHERE c.campaign = ? AND c.direct = 1 AND p.deleted_at IS NOT NULL", (campaign,))
        return int(row[0]) if row else 0

    def posts(self, campaign: str, since: datetime | None = None, direct_only: bool = False,
              include_deleted: bool = False, with_raw: bool = True) -> Iterator[Post]:
        """The campaign's posts in time order (ties in arrival order), read a page at a time: no read
        snapshot is held while the caller works (and writes) between pages."""
        sql = (
            f"SELECT c.created_at, c.seq, p.data, {'p.raw' if with_raw else 'NULL'} FROM campaign_posts c "
            "JOIN posts p ON p.key = c.key "
            "WHERE c.campaign = ? AND (c.created_at, c.seq) > (?, ?)" + (" AND c.direct = 1" if direct_only else "")
            + ("" if include_deleted else _LIVE) + f" ORDER BY c.created_at, c.seq LIMIT {PAGE}"
        )
        after: tuple[str, int] = (ts(since) if since else "", -1)
        while True:
            rows = self._all(sql, (campaign, *after))
            for _, _, data, raw in rows:
                yield post_of(data, raw)
            if len(rows) < PAGE:
                return
            after = (rows[-1][0], rows[-1][1])

    def count_posts(self, campaign: str | None = None, direct_only: bool = False,
                    include_deleted: bool = False) -> int:
        where, args = ["1 = 1"], []
        if campaign is not None:
            where.append("c.campaign = ?")
            args.append(campaign)
        if direct_only:
            where.append("c.direct = 1")
        live = "" if include_deleted else _LIVE
        sql = ("SELECT COUNT(*) FROM campaign_posts c JOIN posts p ON p.key = c.key WHERE "
               + " AND ".join(where) + live)
        if campaign is None and not direct_only:
            sql = "SELECT COUNT(*) FROM posts p WHERE 1 = 1" + live
        row = self._one(sql, tuple(args))
        return int(row[0]) if row else 0

    def get_post(self, key: str) -> Post | None:
        row = self._one("SELECT data, raw FROM posts WHERE key = ?", (key,))
        return post_of(row[0], row[1]) if row else None

    # -- quarantine ------------------------------------------------------------------------------
    def add_quarantined(self, items: Iterable[Quarantined], campaign: str | None = None) -> int:
        rows = [(campaign or "", q.path, q.line, q.reason, q.snippet, q.format, q.part, q.record_id) for q in items]
        with self._lock, immediate(self._db) as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO quarantine VALUES (?,?,?,?,?,?,?,?)", rows)
            return db.total_changes - before

    def quarantined(self, campaign: str | None = None) -> Iterator[Quarantined]:
        sql = "SELECT path, line, reason, snippet, format, part, record_id FROM quarantine"
        args: tuple[Any, ...] = ()
        if campaign is not None:
            sql += " WHERE campaign = ?"
            args = (campaign,)
        for path, line, reason, snippet, fmt, part, rid in self._all(sql + " ORDER BY path, line, part", args):
            yield Quarantined(path=path, line=line, reason=reason, snippet=snippet, format=fmt, part=part,
                              record_id=rid)

    # -- verdicts and alarms ---------------------------------------------------------------------
    def save_verdicts(self, campaign: str, pairs: Iterable[tuple[str, Verdict]]) -> None:
        rows = [(campaign, key, v.stance, v.p_hostile, v.model_dump_json()) for key, v in pairs]
        with self._lock, immediate(self._db) as db:
            db.executemany("INSERT OR REPLACE INTO verdicts VALUES (?,?,?,?,?)", rows)

    def verdicts(self, campaign: str) -> dict[str, Verdict]:
        rows = self._all("SELECT key, data FROM verdicts WHERE campaign = ?", (campaign,))
        return {key: Verdict.model_validate_json(data) for key, data in rows}

    def count_verdicts(self, campaign: str) -> int:
        row = self._one("SELECT COUNT(*) FROM verdicts WHERE campaign = ? AND key NOT IN "
                        "(SELECT key FROM posts WHERE deleted_at IS NOT NULL)", (campaign,))
        return int(row[0]) if row else 0

    def save_alarm(self, campaign: str, alarm: Alarm) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO alarms VALUES (?,?,?,?)",
                (campaign, ts(alarm.at), alarm.severity, alarm.model_dump_json()),
            )

    def alarms(self, campaign: str) -> list[Alarm]:
        rows = self._all("SELECT data FROM alarms WHERE campaign = ? ORDER BY at", (campaign,))
        return [Alarm.model_validate_json(r[0]) for r in rows]

    # -- live streams ----------------------------------------------------------------------------
    def get_cursor(self, name: str) -> str | None:
        row = self._one("SELECT value FROM cursors WHERE name = ?", (name,))
        return row[0] if row else None

    def set_cursor(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", (name, value))

    def add_gap(self, gap: Gap) -> None:
        end = ts(gap.end) if gap.end else None
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO gaps VALUES (?,?,?,?)", (gap.source, ts(gap.start), end, gap.reason)
            )

    def gaps(self, source: str | None = None) -> list[Gap]:
        sql, args = "SELECT source, start, end, reason FROM gaps", tuple[str, ...]()
        if source is not None:
            sql, args = sql + " WHERE source = ?", (source,)
        return [
            Gap(s, from_ts(a), from_ts(b) if b else None, r) for s, a, b, r in self._all(sql + " ORDER BY start", args)
        ]

    # -- reviewer labels -------------------------------------------------------------------------
    def add_label(self, label: Label) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO labels VALUES (?,?,?,?,?,?)",
                (label.campaign, label.post_key, label.stance, label.reviewer, label.reason, ts(label.at)),
            )

    def labels(self, campaign: str) -> list[Label]:
        rows = self._all(
            "SELECT campaign, key, stance, reviewer, reason, at FROM labels WHERE campaign = ? ORDER BY rowid",
            (campaign,),
        )
        return [Label(c, k, s, rv, rs, from_ts(at)) for c, k, s, rv, rs, at in rows]

    # -- helpers ---------------------------------------------------------------------------------
    def _one(self, sql: str, args: tuple[Any, ...]) -> Any:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

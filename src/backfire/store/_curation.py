"""The SQLite side of curation and accounts: the queue, its audit log, the hijack's drivers, users, sessions.

A mixin of `SQLiteStore` (it uses the store's connection `_db` and lock `_lock`). Every change to the
queue writes its audit row in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from backfire.store._posts import from_ts, ts
from backfire.store._tx import immediate
from backfire.store.base import AuditEntry, CurationItem, User


def row_item(row: tuple[Any, ...]) -> CurationItem:
    """A curation row (as `ITEM` selects it) back to a `CurationItem` (both stores)."""
    c, k, state, reason, risk, created, updated, by = row
    return CurationItem(c, k, state, reason, risk, from_ts(created), from_ts(updated), by)


ITEM = "SELECT campaign, key, state, reason, risk, created_at, updated_at, updated_by FROM curation"


class CurationSQL:
    """Queue, audit log, drivers, users and sessions over the store's connection."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    # -- the queue -------------------------------------------------------------------------------
    def set_curation(self, items: Iterable[CurationItem], action: str) -> int:
        """Insert or update queue items, each with an audit row (`action` names what happened)."""
        rows = [(i.campaign, i.key, i.state, i.reason, i.risk, ts(i.created_at), ts(i.updated_at), i.updated_by)
                for i in items]
        logs = [(r[0], r[1], r[7], f"{action}:{r[2]}", r[3], r[6]) for r in rows]
        with self._lock, immediate(self._db) as db:
            db.executemany("INSERT OR REPLACE INTO curation VALUES (?,?,?,?,?,?,?,?)", rows)
            db.executemany("INSERT INTO curation_log VALUES (?,?,?,?,?,?)", logs)
        return len(rows)

    def curation_item(self, campaign: str, key: str) -> CurationItem | None:
        with self._lock:
            row = self._db.execute(ITEM + " WHERE campaign = ? AND key = ?", (campaign, key)).fetchone()
        return row_item(row) if row else None

    def curation_items(self, campaign: str, states: Iterable[str] | None = None, limit: int | None = None,
                       offset: int = 0) -> list[CurationItem]:
        """The campaign's queue items, safest first (lowest risk, then earliest)."""
        sql, args = ITEM + " WHERE campaign = ?", [campaign]
        if states is not None:
            wanted = list(states)
            sql += f" AND state IN ({','.join('?' * len(wanted))})"
            args += wanted
        sql += " ORDER BY risk, created_at, key"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]  # type: ignore[list-item]
        with self._lock:
            return [row_item(r) for r in self._db.execute(sql, args).fetchall()]

    def curation_counts(self, campaign: str) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM curation WHERE campaign = ? GROUP BY state",
                                    (campaign,)).fetchall()
        return {s: int(n) for s, n in rows}

    def curation_log(self, campaign: str, key: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """The audit log, newest first."""
        sql, args = "SELECT campaign, key, actor, action, reason, at FROM curation_log WHERE campaign = ?", [campaign]
        if key is not None:
            sql, args = sql + " AND key = ?", [campaign, key]
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY at DESC, rowid DESC LIMIT ?", (*args, limit)).fetchall()
        return [AuditEntry(c, k, who, what, why, from_ts(at)) for c, k, who, what, why, at in rows]

    def log_curation(self, entry: AuditEntry) -> None:
        with self._lock:
            self._db.execute("INSERT INTO curation_log VALUES (?,?,?,?,?,?)",
                             (entry.campaign, entry.key, entry.actor, entry.action, entry.reason, ts(entry.at)))

    def set_drivers(self, campaign: str, drivers: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Replace the campaign's hijack drivers: (account, role, figures)."""
        rows = [(campaign, a, role, json.dumps(d)) for a, role, d in drivers]
        with self._lock, immediate(self._db) as db:
            db.execute("DELETE FROM curation_drivers WHERE campaign = ?", (campaign,))
            db.executemany("INSERT OR REPLACE INTO curation_drivers VALUES (?,?,?,?)", rows)

    def save_explanation(self, campaign: str, at: datetime, posts: int, data: dict[str, Any]) -> None:
        """Replace the campaign's stored explanation (see `Store.explanation`)."""
        with self._lock, immediate(self._db) as db:
            db.execute("INSERT OR REPLACE INTO explanations VALUES (?,?,?,?)",
                       (campaign, ts(at), posts, json.dumps(data, ensure_ascii=False)))

    def explanation(self, campaign: str) -> tuple[datetime, int, dict[str, Any]] | None:
        with self._lock:
            row = self._db.execute("SELECT at, posts, data FROM explanations WHERE campaign = ?",
                                   (campaign,)).fetchone()
        return None if row is None else (datetime.fromisoformat(row[0]), int(row[1]), json.loads(row[2]))

    def drivers(self, campaign: str) -> list[tuple[str, str, dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute("SELECT account, role, detail FROM curation_drivers WHERE campaign = ? "
                                    "ORDER BY role DESC, rowid", (campaign,)).fetchall()
        return [(a, r, json.loads(d)) for a, r, d in rows]

    # -- accounts --------------------------------------------------------------------------------
    def save_user(self, user: User) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO users VALUES (?,?,?,?)",
                             (user.name, user.role, user.hash, ts(user.created_at)))

    def user(self, name: str) -> User | None:
        with self._lock:
            row = self._db.execute("SELECT name, role, hash, created_at FROM users WHERE name = ?", (name,)).fetchone()
        return User(row[0], row[1], row[2], from_ts(row[3])) if row else None

    def users(self) -> list[User]:
        with self._lock:
            rows = self._db.execute("SELECT name, role, hash, created_at FROM users ORDER BY name").fetchall()
        return [User(n, r, h, from_ts(c)) for n, r, h, c in rows]

    def remove_user(self, name: str) -> bool:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE user = ?", (name,))
            return self._db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0

    def save_session(self, token: str, user: str, csrf: str, expires_at: datetime) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO sessions VALUES (?,?,?,?)", (token, user, csrf, ts(expires_at)))

    def session(self, token: str, now: datetime) -> tuple[str, str] | None:
        """(user, csrf token) of a live session."""
        with self._lock:
            row = self._db.execute("SELECT user, csrf FROM sessions WHERE token = ? AND expires_at > ?",
                                   (token, ts(now))).fetchone()
        return (row[0], row[1]) if row else None

    def end_sessions(self, token: str | None = None, user: str | None = None) -> None:
        with self._lock:
            if token is not None:
                self._db.execute("DELETE FROM sessions WHERE token = ?", (token,))
            if user is not None:
                self._db.execute("DELETE FROM sessions WHERE user = ?", (user,))

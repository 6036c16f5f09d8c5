"""The PostgreSQL side of curation and accounts: the queue, its audit log, the hijack's drivers, users,
sessions and stored explanations (as `store/_curation.py` for SQLite). A mixin of `PostgresStore`.
Every change to the queue writes its audit row in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from backfire.store._curation import ITEM, row_item
from backfire.store._posts import from_ts, ts
from backfire.store.base import AuditEntry, CurationItem, User
from backfire.store.pg._conn import Conn

_UPSERT_ITEM = ("INSERT INTO curation VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (campaign, key) DO UPDATE SET "
                "state = excluded.state, reason = excluded.reason, risk = excluded.risk, "
                "created_at = excluded.created_at, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
_LOG = "INSERT INTO curation_log (campaign, key, actor, action, reason, at) VALUES (%s,%s,%s,%s,%s,%s)"


class CurationPG:
    """Queue, audit log, drivers, users and sessions over the store's connection."""

    _c: Conn

    # -- the queue -------------------------------------------------------------------------------
    def set_curation(self, items: Iterable[CurationItem], action: str) -> int:
        """Insert or update queue items, each with an audit row (`action` names what happened)."""
        rows = [(i.campaign, i.key, i.state, i.reason, i.risk, ts(i.created_at), ts(i.updated_at), i.updated_by)
                for i in items]
        logs = [(r[0], r[1], r[7], f"{action}:{r[2]}", r[3], r[6]) for r in rows]
        with self._c.tx() as c:
            c.many(_UPSERT_ITEM, rows)
            c.many(_LOG, logs)
        return len(rows)

    def curation_item(self, campaign: str, key: str) -> CurationItem | None:
        row = self._c.one(ITEM + " WHERE campaign = %s AND key = %s", (campaign, key))
        return row_item(row) if row else None

    def curation_items(self, campaign: str, states: Iterable[str] | None = None, limit: int | None = None,
                       offset: int = 0) -> list[CurationItem]:
        """The campaign's queue items, safest first (lowest risk, then earliest)."""
        sql, args = ITEM + " WHERE campaign = %s", [campaign]
        if states is not None:
            sql += " AND state = ANY(%s)"
            args.append(list(states))  # type: ignore[arg-type]
        sql += " ORDER BY risk, created_at, key"
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            args += [limit, offset]  # type: ignore[list-item]
        return [row_item(r) for r in self._c.all(sql, args)]

    def curation_counts(self, campaign: str) -> dict[str, int]:
        rows = self._c.all("SELECT state, COUNT(*) FROM curation WHERE campaign = %s GROUP BY state", (campaign,))
        return {s: int(n) for s, n in rows}

    def curation_log(self, campaign: str, key: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """The audit log, newest first."""
        sql, args = "SELECT campaign, key, actor, action, reason, at FROM curation_log WHERE campaign = %s", [campaign]
        if key is not None:
            sql, args = sql + " AND key = %s", [campaign, key]
        rows = self._c.all(sql + " ORDER BY at DESC, n DESC LIMIT %s", (*args, limit))
        return [AuditEntry(c, k, who, what, why, from_ts(at)) for c, k, who, what, why, at in rows]

    def log_curation(self, entry: AuditEntry) -> None:
        self._c.run(_LOG, (entry.campaign, entry.key, entry.actor, entry.action, entry.reason, ts(entry.at)))

    def set_drivers(self, campaign: str, drivers: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Replace the campaign's hijack drivers: (account, role, figures)."""
        rows = [(campaign, a, role, json.dumps(d)) for a, role, d in drivers]
        with self._c.tx() as c:
            c.run("DELETE FROM curation_drivers WHERE campaign = %s", (campaign,))
            c.many("INSERT INTO curation_drivers (campaign, account, role, detail) VALUES (%s,%s,%s,%s) "
                   "ON CONFLICT (campaign, account, role) DO UPDATE SET detail = excluded.detail", rows)

    def drivers(self, campaign: str) -> list[tuple[str, str, dict[str, Any]]]:
        rows = self._c.all("SELECT account, role, detail FROM curation_drivers WHERE campaign = %s "
                           "ORDER BY role DESC, n", (campaign,))
        return [(a, r, json.loads(d)) for a, r, d in rows]

    def save_explanation(self, campaign: str, at: datetime, posts: int, data: dict[str, Any]) -> None:
        """Replace the campaign's stored explanation (see `Store.explanation`)."""
        self._c.run("INSERT INTO explanations VALUES (%s,%s,%s,%s) ON CONFLICT (campaign) DO UPDATE SET "
                    "at = excluded.at, posts = excluded.posts, data = excluded.data",
                    (campaign, ts(at), posts, json.dumps(data, ensure_ascii=False)))

    def explanation(self, campaign: str) -> tuple[datetime, int, dict[str, Any]] | None:
        row = self._c.one("SELECT at, posts, data FROM explanations WHERE campaign = %s", (campaign,))
        return None if row is None else (datetime.fromisoformat(row[0]), int(row[1]), json.loads(row[2]))

    # -- accounts --------------------------------------------------------------------------------
    def save_user(self, user: User) -> None:
        self._c.run("INSERT INTO users VALUES (%s,%s,%s,%s) ON CONFLICT (name) DO UPDATE SET role = excluded.role, "
                    "hash = excluded.hash, created_at = excluded.created_at",
                    (user.name, user.role, user.hash, ts(user.created_at)))

    def user(self, name: str) -> User | None:
        row = self._c.one("SELECT name, role, hash, created_at FROM users WHERE name = %s", (name,))
        return User(row[0], row[1], row[2], from_ts(row[3])) if row else None

    def users(self) -> list[User]:
        rows = self._c.all("SELECT name, role, hash, created_at FROM users ORDER BY name")
        return [User(n, r, h, from_ts(c)) for n, r, h, c in rows]

    def remove_user(self, name: str) -> bool:
        with self._c.tx() as c:
            c.run('DELETE FROM sessions WHERE "user" = %s', (name,))
            return c.run("DELETE FROM users WHERE name = %s", (name,)) > 0

    def save_session(self, token: str, user: str, csrf: str, expires_at: datetime) -> None:
        self._c.run('INSERT INTO sessions VALUES (%s,%s,%s,%s) ON CONFLICT (token) DO UPDATE SET "user" = '
                    'excluded."user", csrf = excluded.csrf, expires_at = excluded.expires_at',
                    (token, user, csrf, ts(expires_at)))

    def session(self, token: str, now: datetime) -> tuple[str, str] | None:
        """(user, csrf token) of a live session."""
        row = self._c.one('SELECT "user", csrf FROM sessions WHERE token = %s AND expires_at > %s', (token, ts(now)))
        return (row[0], row[1]) if row else None

    def end_sessions(self, token: str | None = None, user: str | None = None) -> None:
        with self._c.tx() as c:
            if token is not None:
                c.run("DELETE FROM sessions WHERE token = %s", (token,))
            if user is not None:
                c.run('DELETE FROM sessions WHERE "user" = %s', (user,))

"""Bringing a store written by an earlier version of backfire up to the current schema, in place.

Runs before the Alembic baseline (`migrations/versions/0001_baseline.py`, which only creates what is
missing). Version 1 stores lack the posts' `version` and `deleted_at` columns and keyed the quarantine by
line alone (so several bad posts of one response page kept one row); both are fixed without losing a row.
Version 3 only adds tables (the curation queue and its log, accounts, sessions, the FTS5 search index),
which the baseline creates in an existing file; the search index fills lazily from the posts already
stored (`store/_aggregate.py`).
"""

from __future__ import annotations

import sqlite3


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def migrate(db: sqlite3.Connection) -> None:
    """Add what a version-1 store lacks (idempotent; a new, empty file is left to Alembic)."""
    posts = _columns(db, "posts")
    if posts and "version" not in posts:
        db.execute("ALTER TABLE posts ADD COLUMN version TEXT NOT NULL DEFAULT ''")
    if posts and "deleted_at" not in posts:
        db.execute("ALTER TABLE posts ADD COLUMN deleted_at TEXT")
    quarantine = _columns(db, "quarantine")
    if quarantine and "part" not in quarantine:
        db.executescript("""
            BEGIN;
            ALTER TABLE quarantine RENAME TO quarantine_v1;
            CREATE TABLE quarantine (
                campaign TEXT NOT NULL DEFAULT '', path TEXT NOT NULL, line INTEGER NOT NULL,
                reason TEXT NOT NULL, snippet TEXT NOT NULL, format TEXT,
                part INTEGER NOT NULL DEFAULT 0, record_id TEXT,
                PRIMARY KEY (campaign, path, line, part));
            INSERT INTO quarantine (campaign, path, line, reason, snippet, format)
                SELECT campaign, path, line, reason, snippet, format FROM quarantine_v1;
            DROP TABLE quarantine_v1;
            COMMIT;
        """)

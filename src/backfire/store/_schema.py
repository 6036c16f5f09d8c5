"""Bringing a store's schema to the newest Alembic revision (`store/migrations/`), for both stores.

Opening a store that is already current costs one query (`HEAD` is compared with `alembic_version`);
Alembic and SQLAlchemy are imported only when something must be created or upgraded. The upgrade runs in
one transaction that first takes the database's write lock (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: an
advisory lock), so several processes opening a new store at once create it once.
"""

from __future__ import annotations

import sqlite3
from typing import Any

HEAD = "0002"  # the newest revision in store/migrations/versions (a test checks it is Alembic's head)
SCRIPTS = "backfire.store:migrations"
_PG_LOCK = 7_220_301_914  # pg_advisory_xact_lock key of backfire's migrations


def alembic_config(connection: Any) -> Any:
    """An Alembic config for the shipped revisions, running on `connection` (a SQLAlchemy Connection)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    config.attributes["connection"] = connection
    return config


def alembic_head() -> str:
    """The head revision as Alembic reads it from the shipped scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    return str(head)


def sqlite_revision(db: sqlite3.Connection) -> str | None:
    try:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no alembic_version table: a new file or one of schema 1 to 5
        return None
    return str(row[0]) if row else None


class _Held:
    """A sqlite3 connection lent to SQLAlchemy inside a transaction the store opened: SQLAlchemy's commit,
    rollback and close leave it alone (the store commits or rolls back the whole upgrade itself)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


def upgrade_sqlite(db: sqlite3.Connection) -> None:
    """Run the revisions `db` lacks, in the caller's open write transaction (`BEGIN IMMEDIATE`)."""
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    engine = create_engine("sqlite://", creator=lambda: _Held(db), poolclass=StaticPool)
    try:
        with engine.connect() as connection:
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()


def postgres_revision(db: Any) -> str | None:
    """The revision of the PostgreSQL store `db` (a psycopg connection in autocommit mode)."""
    import psycopg

    try:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return str(row[0]) if row else None


def upgrade_postgres(url: str) -> None:
    """Run the revisions the PostgreSQL store at `url` lacks, holding the migration lock."""
    import psycopg
    from alembic import command
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
            command.upgrade(alembic_config(connection), "head")
    finally:
        engine.dispose()

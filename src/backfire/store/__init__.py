"""Where posts, verdicts, alarms, cursors and labels are kept. Only this package speaks SQL."""

from __future__ import annotations

from pathlib import Path

from backfire.store.base import AddResult, AuditEntry, CurationItem, Gap, Label, Store, StoreUnavailable, User
from backfire.store.sqlite import SQLiteStore

POSTGRES_SCHEMES = ("postgres://", "postgresql://", "postgresql+psycopg://")


def is_postgres(location: str | Path) -> bool:
    """Whether `location` names a PostgreSQL store (a URL) rather than a SQLite file."""
    return str(location).startswith(POSTGRES_SCHEMES)


def open_store(location: str | Path) -> Store:
    """Open (creating or upgrading its schema if needed) the store at `location`.

    A `postgresql://user@host:port/db` URL opens the shared PostgreSQL store of the scale-out deployment
    (`store.pg.PostgresStore`); anything else is the path of a SQLite file (the embedded default), whose
    folder is created when missing. Both stores pickle as their location, so a worker process reopens
    the same store with its own connection.
    """
    text = str(location)
    if is_postgres(text):
        from backfire.store.pg import PostgresStore

        return PostgresStore(text.replace("postgresql+psycopg://", "postgresql://", 1))
    path = Path(text)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStore(path)


__all__ = ["AddResult", "AuditEntry", "CurationItem", "Gap", "Label", "SQLiteStore", "Store", "StoreUnavailable",
           "User", "is_postgres", "open_store"]

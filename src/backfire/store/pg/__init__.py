"""The PostgreSQL store (`PostgresStore`), selected by a `postgresql://` URL in `store.open_store`."""

from __future__ import annotations

from backfire.store.pg.store import PostgresStore

__all__ = ["PostgresStore"]

"""One psycopg 3 connection of the PostgreSQL store: reads in autocommit, writes in explicit transactions.

Every statement goes through `Conn`, which holds the store's lock (a store object is shared between the
threads of one process; other processes open their own connection from the URL) and counts the rows this
connection changed (`Store.own_changes`). Bulk loads go through a session's temporary staging tables
filled with COPY, then one `INSERT ... SELECT ... ON CONFLICT` moves them in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

Row = tuple[Any, ...]


def _clean(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL characters; SQLite keeps them. They are dropped here."""
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


def clean_row(row: Sequence[Any]) -> Row:
    return tuple(_clean(v) for v in row)


class Conn:
    """The store's connection, its lock and its count of changed rows."""

    def __init__(self, url: str) -> None:
        self.db = psycopg.connect(url, autocommit=True)
        self.lock = threading.RLock()
        self.changes = 0
        self._staged: set[str] = set()

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self.lock:
            return self.db.execute(sql, args).fetchall()

    def one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        with self.lock:
            return self.db.execute(sql, args).fetchone()

    def scalar(self, sql: str, args: Sequence[Any] = ()) -> Any:
        row = self.one(sql, args)
        return row[0] if row else None

    def run(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one write statement; returns the rows it changed."""
        with self.lock:
            count = max(self.db.execute(sql, clean_row(args)).rowcount, 0)
            self.changes += count
            return count

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one write statement per row (pipelined by psycopg); returns the rows changed in all."""
        batch = [clean_row(r) for r in rows]
        if not batch:
            return 0
        with self.lock, self.db.cursor() as cur:
            cur.executemany(sql, batch)
            count = max(cur.rowcount, 0)
            self.changes += count
            return count

    @contextmanager
    def tx(self) -> Iterator[Conn]:
        """One write transaction: committed when the block ends, rolled back when it raises."""
        with self.lock:
            try:
                with self.db.transaction():
                    yield self
            except BaseException:
                self._staged.clear()  # a staging table created in the rolled-back transaction is gone
                raise

    def stage(self, name: str, definition: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Fill the session's temporary table `name` (created from `definition` on first use, emptied at
        each commit) with `rows` by COPY, inside the caller's transaction. Returns how many rows."""
        with self.lock, self.db.cursor() as cur:
            if name not in self._staged:
                cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({definition}) ON COMMIT DELETE ROWS")
                self._staged.add(name)
            cur.execute(f"TRUNCATE {name}")
            count = 0
            with cur.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(clean_row(row))
                    count += 1
            return count

    def close(self) -> None:
        with self.lock:
            self.db.close()

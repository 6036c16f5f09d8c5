"""Write transactions that never upgrade a read snapshot.

SQLite in WAL mode lets readers and one writer work at once, but a connection that still holds a read
snapshot older than another connection's commit cannot start writing: SQLite answers `database is locked`
at once, without waiting for the busy timeout. So every write of the store goes through `immediate`, which
takes the write lock first (`BEGIN IMMEDIATE`, waiting up to the busy timeout) and keeps the transaction
short, and no read statement is left open between calls (`SQLiteStore.posts` reads in pages).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

BUSY_TIMEOUT_MS = 60_000  # how long a writer or reader waits for another connection's write to finish


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed when the block ends, rolled back when it raises."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise

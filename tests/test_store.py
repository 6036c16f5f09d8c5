"""What is particular to each store (the behaviour both share is tests/test_store_conformance*.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backfire.store import open_store
from conftest import make_post


def test_a_failed_batch_leaves_neither_posts_nor_cursor(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")

    class FailOnLinks:
        """The real connection, except that linking posts to the campaign fails mid-transaction."""

        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def executemany(self, sql: str, rows: object) -> object:
            if "campaign_posts" in sql:
                raise sqlite3.OperationalError("disk I/O error")
            return self.db.executemany(sql, rows)  # type: ignore[arg-type]

        def __getattr__(self, name: str) -> object:
            return getattr(self.db, name)

    real = store._db  # type: ignore[attr-defined]
    store._db = FailOnLinks(real)  # type: ignore[attr-defined]
    with pytest.raises(sqlite3.OperationalError):
        store.add_posts([make_post(1), make_post(2)], "c", cursor=("k", "v"))
    store._db = real  # type: ignore[attr-defined]
    assert store.count_posts() == 0  # the posts inserted before the failure were rolled back
    assert store.count_posts("c") == 0
    assert store.get_cursor("k") is None
    store.close()


def test_store_file_is_in_wal_mode(tmp_path: Path) -> None:
    open_store(tmp_path / "w.db").close()
    mode = sqlite3.connect(tmp_path / "w.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_postgresql_url_opens_the_postgresql_store_and_never_shows_its_password(postgres_url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(postgres_url)
    url = postgres_url.replace(f"{parts.username}@", f"{parts.username}:hunter22@", 1)  # trust auth ignores it
    with open_store(url) as store:
        assert type(store).__name__ == "PostgresStore"
        assert "hunter22" not in repr(store) and "***" in repr(store)


def test_an_unreachable_postgresql_store_is_a_clear_error_without_its_password() -> None:
    import socket

    from backfire.store import StoreUnavailable

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(StoreUnavailable, match=r"bf:\*\*\*@127.0.0.1") as caught:
        open_store(f"postgresql://bf:hunter22@127.0.0.1:{port}/backfire?connect_timeout=5")
    assert "hunter22" not in str(caught.value)

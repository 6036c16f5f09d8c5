"""The store's Alembic migrations (store/migrations/): one head, shipped with the package, run by both stores.

Older SQLite files (schema 1 to 5, before Alembic) are tested where they were introduced
(tests/test_ingest_archives.py, test_curate.py, test_concurrency.py); here: the revisions themselves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backfire.store import open_store
from backfire.store._schema import HEAD, alembic_config, alembic_head
from conftest import make_post, run_threads


def test_head_is_the_newest_shipped_revision() -> None:
    assert alembic_head() == HEAD


def test_a_new_sqlite_store_is_created_by_alembic_and_opens_without_it(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("5",)
    names = {n for (n,) in db.execute("SELECT name FROM sqlite_master")}
    assert {"posts", "campaign_posts", "posts_fts", "posts_fts_edit", "campaign_posts_time", "curation"} <= names
    db.close()


def test_a_store_opened_by_many_at_once_is_created_once(tmp_path: Path) -> None:

    path = tmp_path / "race.db"

    def open_and_write(i: int) -> None:
        with open_store(path) as store:
            store.add_posts([make_post(i)], "c")

    assert run_threads(open_and_write, 6) == []
    with open_store(path) as store:
        assert store.count_posts("c") == 6


def _downgrade_then_upgrade(connection: object) -> None:
    from alembic import command

    config = alembic_config(connection)
    command.downgrade(config, "base")
    command.upgrade(config, "head")


def test_sqlite_revisions_go_down_and_up_again(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect

    path = tmp_path / "s.db"
    open_store(path).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        _downgrade_then_upgrade(connection)
    with engine.connect() as connection:
        assert "posts" in inspect(connection).get_table_names()
    engine.dispose()
    with open_store(path) as store:
        store.add_posts([make_post(1)], "c")
        assert store.search_posts("c", "officers")[0] == 1


def test_postgresql_store_is_created_by_alembic_and_goes_down_and_up(postgres_url: str) -> None:
    import psycopg
    from sqlalchemy import create_engine

    with open_store(postgres_url) as store:
        store.add_posts([make_post(1)], "c")
    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(postgres_url))
    with engine.begin() as connection:
        _downgrade_then_upgrade(connection)
    engine.dispose()
    with open_store(postgres_url) as store:
        assert store.count_posts() == 0
        store.add_posts([make_post(2)], "c")
        assert store.search_posts("c", "officers")[0] == 1


@pytest.mark.parametrize("workers", [4])
def test_postgresql_store_opened_by_several_processes_at_once(postgres_url: str, workers: int) -> None:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        counts = pool.map(_ingest_in_a_process, [(postgres_url, w) for w in range(workers)])
    assert counts == [10] * workers
    with open_store(postgres_url) as store:
        assert store.count_posts("c") == 10 * workers


def _ingest_in_a_process(args: tuple[str, int]) -> int:
    url, worker = args
    with open_store(url) as store:
        return store.add_posts([make_post(worker * 100 + i) for i in range(10)], "c").added

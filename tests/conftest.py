"""Fixtures shared by every test: a fresh store on a real SQLite file, a CLI runner, sample posts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backfire.model import Author, Media, Post
from backfire.store import Store, open_store

DATA = Path(__file__).parent / "data"


@pytest.fixture
def fresh_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "test.db")
    yield store
    store.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the whole run (tests/pg_server.py: started and stopped here, or $BACKFIRE_TEST_PG)."""
    from pg_server import server

    with server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL store (a schema of its own, dropped after the test)."""
    from pg_server import fresh_schema

    with fresh_schema(postgres_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each kind: the store conformance suite (tests/test_store_conformance*.py) runs on both."""
    location = (tmp_path / "test.db" if request.param == "sqlite"
                else request.getfixturevalue("postgres_url"))
    store = open_store(location)
    yield store
    store.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's config file or environment."""
    monkeypatch.setenv("BACKFIRE_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("BACKFIRE_DB", "BACKFIRE_STORE", "BACKFIRE_MODEL", "BACKFIRE_DETECTOR", "BACKFIRE_REPORT_DIR"):
        monkeypatch.delenv(name, raising=False)


def make_post(i: int, text: str = "Proud of our officers #myNYPD", *, author: str = "alice",
              followers: int = 100, repost_of: str | None = None, minutes: float | None = None) -> Post:
    """A small hand-made post, `i` minutes after 18:00 UTC on 22 April 2014 unless told otherwise."""
    start = datetime(2014, 4, 22, 18, 0, tzinfo=UTC)
    return Post(
        id=str(i), platform="twitter", author=Author(handle=author, followers=followers),
        created_at=start + timedelta(minutes=i if minutes is None else minutes), text=text,
        hashtags=["myNYPD"], repost_of=repost_of,
        media=[Media(url=f"https://img.example/{i}.jpg", alt="officers at a parade")],
        raw={"id_str": str(i), "text": text},
    )


def run_threads(target: Callable[[int], object], n: int) -> list[Exception]:
    """Run `target(0..n-1)` on n threads at once; the exceptions they raised (empty when none did)."""
    import threading

    errors: list[Exception] = []

    def guarded(i: int) -> None:
        try:
            target(i)
        except Exception as exc:  # reported to the caller
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors

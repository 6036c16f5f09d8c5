"""A PostgreSQL server for the tests: `$BACKFIRE_TEST_PG`, or a throwaway cluster `scripts/postgres` starts.

The session fixture `postgres_server` (tests/conftest.py) starts one cluster for the whole run and stops
it at the end; `fresh_schema` gives each test its own schema (the URL's `search_path`), dropped after.
When no server can be had the PostgreSQL tests fail, so CI never passes without them; set
`BACKFIRE_NO_PG=1` to skip them explicitly on a machine without PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres"


@contextmanager
def server() -> Iterator[str]:
    """The URL of a server that lives as long as the block (an existing one when $BACKFIRE_TEST_PG is set)."""
    given = os.environ.get("BACKFIRE_TEST_PG")
    if given:
        yield given
        return
    if os.environ.get("BACKFIRE_NO_PG") == "1":
        pytest.skip("BACKFIRE_NO_PG=1: the PostgreSQL store tests are skipped")
    run = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True, timeout=900, check=False)
    lines = run.stdout.split()
    if run.returncode != 0 or len(lines) < 2:
        pytest.fail(f"scripts/postgres could not start PostgreSQL (set BACKFIRE_NO_PG=1 to skip these tests "
                    f"explicitly): {run.stderr.strip()[-2000:]}")
    folder, url = lines[-2], lines[-1]
    try:
        yield url
    finally:
        subprocess.run([str(SCRIPT), "stop", folder], capture_output=True, timeout=120, check=False)


def with_schema(url: str, schema: str) -> str:
    """`url` with `schema` first in its search_path (every table the store creates goes there)."""
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new, empty schema on the server at `url` for the block: the URL that uses it."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {name}")
    try:
        yield with_schema(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")

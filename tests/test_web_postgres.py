"""The dashboard on the PostgreSQL store: the same pages, search, curation form and change events as on
SQLite (tests/test_web.py holds the full checks; here they are repeated on a postgresql:// store)."""

from __future__ import annotations

from pathlib import Path

from backfire.web.pages import encode_name
from test_web import EVIL_NAME, EVIL_TEXT, _client, _login, _seed


def test_the_dashboard_runs_on_postgresql(postgres_url: str) -> None:
    _seed(postgres_url)  # type: ignore[arg-type]
    with _client(postgres_url) as client:  # type: ignore[arg-type]
        _login(client, "rita")
        name = encode_name(EVIL_NAME)
        page = client.get(f"/campaigns/{name}")
        assert page.status_code == 200 and EVIL_TEXT not in page.text
        twin = client.get(f"/campaigns/{name}.json")
        assert twin.status_code == 200 and twin.json()
        posts = f"/campaigns/{name}/posts.json"
        assert client.get(posts, params={"q": "officers"}).json()["total"] == 5
        assert client.get(posts, params={"q": "script"}).json()["posts"][0]["text"] == EVIL_TEXT
        assert client.get(posts, params={"q": 'officers" OR "x'}).json()["total"] == 0
        assert client.get(posts, params={"author": "alice", "since": "2014-04-22T18:02"}).json()["total"] == 3
        assert client.get(f"/campaigns/{name}/queue.json").status_code in (200, 404)
        with client.stream("GET", f"/campaigns/{name}/events") as stream:
            body = "".join(stream.iter_text())
        assert body.startswith("retry:") and "event: update" in body


def test_seed_helper_takes_a_location(tmp_path: Path) -> None:
    _seed(tmp_path / "web.db")  # the helper the PostgreSQL test reuses still seeds a SQLite file
    assert (tmp_path / "web.db").exists()

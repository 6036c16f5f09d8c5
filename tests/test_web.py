"""The dashboard: each page and its JSON twin come from the same data; user text is escaped."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from backfire.model import Campaign, Verdict
from backfire.store import open_store
from backfire.web.app import create_app
from conftest import make_post


def test_pages_and_json_twins(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with open_store(db) as store:
        store.save_campaign(Campaign(name="c<1>", tags=["myNYPD"]))
        posts = [make_post(i, text="<img src=x onerror=alert(1)>") for i in range(5)]
        store.add_posts(posts, "c<1>")
        store.save_verdicts("c<1>", [(p.key, Verdict(post_id=p.id, stance="hostile", p_hostile=0.9)) for p in posts])
    client = TestClient(create_app(str(db)))
    listing = client.get("/campaigns.json").json()
    assert listing[0]["name"] == "c<1>" and listing[0]["posts"] == 5
    assert "c&lt;1&gt;" in client.get("/").text
    twin = client.get("/campaigns/c<1>.json").json()
    assert twin["posts"] == 5
    page = client.get("/campaigns/c<1>")
    assert page.status_code == 200
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text
    assert client.get("/campaigns/nope").status_code == 404

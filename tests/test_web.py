"""The dashboard: login and roles, CSRF on every form, security headers, the Host check, escaping, names
with slashes, JSON twins from the same data, bounded time bins, search."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backfire.accounts import add_user
from backfire.curate import refresh
from backfire.model import Alarm, Author, Campaign, Post, Verdict
from backfire.store import open_store
from backfire.web.app import ServeRefused, create_app, serve
from backfire.web.pages import encode_name
from backfire.web.timeline import bounded_timeline
from conftest import make_post

EVIL_NAME = "<b>x</b>/../y"
EVIL_TEXT = "<script>alert(1)</script>"
EVIL_AUTHOR = '"><img src=x onerror=alert(1)>'
PASSWORD = "a long enough secret"


def _seed(db: Path) -> None:
    with open_store(db) as store:
        camp = Campaign(name=EVIL_NAME, tags=["myNYPD"])
        store.save_campaign(camp)
        posts = [make_post(i, text=f"Thank you officers {i}") for i in range(5)]
        posts.append(Post(id="evil", platform="twitter", author=Author(handle=EVIL_AUTHOR), text=EVIL_TEXT,
                          created_at=datetime(2014, 4, 22, 18, 9, tzinfo=UTC)))
        store.add_posts(posts, EVIL_NAME)
        store.save_verdicts(EVIL_NAME, [(p.key, Verdict(post_id=p.id, stance="support", p_hostile=0.02, p_support=0.95))
                                        for p in posts])
        store.save_alarm(EVIL_NAME, Alarm(at=datetime(2014, 4, 22, 10, tzinfo=UTC), severity="warning",
                                          hostile_share=0.5, triggers=[EVIL_AUTHOR], examples=[EVIL_TEXT]))
        refresh(store, camp)
        for name, role in (("vic", "viewer"), ("rita", "reviewer"), ("ada", "admin")):
            add_user(store, name, PASSWORD, role)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "web.db"
    _seed(path)
    return path


def _client(db: Path) -> TestClient:
    return TestClient(create_app(str(db), {"testserver"}, stream_seconds=0.5), base_url="https://testserver")


def _login(client: TestClient, name: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token, "next": "/"},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


@pytest.fixture
def reviewer(db: Path) -> Iterator[TestClient]:
    with _client(db) as client:
        _login(client, "rita")
        yield client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_pages_need_a_login_and_the_cookie_is_guarded(db: Path) -> None:
    with _client(db) as client:
        assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
        assert client.get("/campaigns.json").status_code == 401
        form = client.get("/login")
        bad = client.post("/login", data={"name": "rita", "password": "wrong one here", "csrf": _csrf(form.text)},
                          follow_redirects=False)
        assert "failed=1" in bad.headers["location"]
        no_token = client.post("/login", data={"name": "rita", "password": PASSWORD}, follow_redirects=False)
        assert no_token.status_code == 403
        client.get("/login")
        ok = client.post("/login", data={"name": "rita", "password": PASSWORD, "csrf": client.cookies["backfire_login"],
                                         "next": "//evil.example/"}, follow_redirects=False)
        assert ok.headers["location"] == "/"  # no open redirect
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie


def test_every_response_has_the_security_headers_and_a_foreign_host_is_refused(reviewer: TestClient) -> None:
    for path in ("/", "/campaigns.json", "/static/app.js", "/nope", f"/campaigns/{encode_name(EVIL_NAME)}/queue"):
        headers = reviewer.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    rebound = reviewer.get("/campaigns.json", headers={"host": "attacker.example"})
    assert rebound.status_code == 400 and "x-content-type-options" in rebound.headers
    assert reviewer.get("/campaigns.json", headers={"host": "testserver:8008"}).status_code == 200


def test_hostile_text_names_and_campaigns_render_as_text(reviewer: TestClient) -> None:
    path = f"/campaigns/{encode_name(EVIL_NAME)}"
    for page in ("", "/posts", "/queue", "/log"):
        html = reviewer.get(path + page).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>x</b>" not in html, page
        ours = ('<script src="/static/app.js" defer></script>', '<script src="/static/cascade.js" defer></script>')
        assert "<script" not in html.replace(ours[0], "").replace(ours[1], "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reviewer.get(path + "/queue").text
    assert "&lt;b&gt;x&lt;/b&gt;/../y" in reviewer.get("/").text
    twin = reviewer.get(path + ".json").json()
    assert twin["campaign"]["name"] == EVIL_NAME and twin["posts"] == 6
    assert reviewer.get(path + "/queue.json").json()["items"][0]["text"]
    assert reviewer.get("/campaigns/%3Cb%3Ex%3C%2Fb%3E%2F..%2Fy", follow_redirects=False).headers["location"] == path
    assert 'rel="noopener noreferrer nofollow"' in reviewer.get(path + "/queue").text


def test_forms_need_their_csrf_token_and_the_right_role(db: Path, reviewer: TestClient) -> None:
    path = f"/campaigns/{encode_name(EVIL_NAME)}"
    page = reviewer.get(path + "/queue").text
    form = {"key": "twitter:1", "action": "approve", "reason": "checked"}
    assert reviewer.post(path + "/queue/decide", data=form).status_code == 403
    assert reviewer.post(path + "/queue/decide", data={**form, "csrf": "forged"}).status_code == 403
    done = reviewer.post(path + "/queue/decide", data={**form, "csrf": _csrf(page)}, follow_redirects=False)
    assert done.status_code == 303
    assert reviewer.get(path + "/queue.json?state=approved").json()["items"][0]["key"] == "twitter:1"
    assert "rita" in reviewer.get(path + "/log").text
    exported = reviewer.get(path + "/approved.jsonl")
    assert exported.status_code == 200 and "https://img.example/1.jpg" in exported.text
    assert reviewer.post(path + "/queue/correct", data={"key": "twitter:2", "stance": "hostile",
                                                        "csrf": _csrf(page)}).status_code == 200
    with open_store(db) as store:
        assert [lb.stance for lb in store.labels(EVIL_NAME)] == ["hostile"]
    with _client(db) as viewer:
        _login(viewer, "vic")
        assert viewer.get(path + "/queue").status_code == 200
        token = _csrf(viewer.get(path + "/queue").text)
        assert viewer.post(path + "/queue/decide", data={**form, "csrf": token}).status_code == 403


def test_search_and_filters(reviewer: TestClient) -> None:
    path = f"/campaigns/{encode_name(EVIL_NAME)}/posts.json"
    assert reviewer.get(path, params={"q": "officers"}).json()["total"] == 5
    assert reviewer.get(path, params={"q": "script"}).json()["posts"][0]["text"] == EVIL_TEXT
    assert reviewer.get(path, params={"q": 'officers" OR "x'}).json()["total"] == 0  # no query injection
    assert reviewer.get(path, params={"author": "alice", "since": "2014-04-22T18:02"}).json()["total"] == 3


def test_events_say_when_the_store_changes(db: Path, reviewer: TestClient) -> None:
    with reviewer.stream("GET", f"/campaigns/{encode_name(EVIL_NAME)}/events") as stream:
        body = "".join(stream.iter_text())
    assert body.startswith("retry:") and "event: update" in body


def test_a_stray_post_is_an_outlier_not_a_year_of_bins(tmp_path: Path) -> None:
    with open_store(tmp_path / "b.db") as store:
        store.save_campaign(Campaign(name="c"))
        posts = [make_post(i, minutes=i * 0.5) for i in range(3000)]
        posts.append(make_post(9999, minutes=-365 * 24 * 60))
        store.add_posts(posts, "c")
        data = bounded_timeline(store, "c", 3001, max_bins=240)
    assert len(data["bins"]) <= 240 and data["bin_seconds"] <= 900
    assert data["outliers"]["before"] == 1 and sum(b["total"] for b in data["bins"]) == 3000
    assert data["outliers"]["posts"][0]["key"] == "twitter:9999"


def test_serve_refuses_a_public_address_without_an_admin(tmp_path: Path) -> None:
    with pytest.raises(ServeRefused, match="users add"):
        serve(str(tmp_path / "empty.db"), "0.0.0.0", 8999)


def test_the_campaign_page_shows_the_stored_explanation_escaped_and_never_explains_per_request(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backfire.report.stored import remember
    from backfire.simulate import generate
    from backfire.simulate.oracle import PerfectReader

    sim = generate("mynypd", seed=3, hours=3)
    trigger = sim.truth.trigger_accounts[0]
    posts = [p.model_copy(update={"text": EVIL_TEXT + " " + p.text}) if p.author.handle == trigger else p
             for p in sim.posts]
    db = tmp_path / "ex.db"
    camp = sim.campaign.model_copy(update={"name": EVIL_NAME})
    with open_store(db) as store:
        store.save_campaign(camp)
        store.add_posts(posts, EVIL_NAME)
        verdicts = PerfectReader(sim.labels).predict_many(sim.posts)
        store.save_verdicts(EVIL_NAME, [(p.key, v) for p, v in zip(posts, verdicts, strict=True)])
        with _client(db) as client:
            add_user(store, "vic", PASSWORD, "viewer")
            _login(client, "vic")
            path = f"/campaigns/{encode_name(EVIL_NAME)}"
            assert "No explanation yet" in client.get(path).text
            remember(store, camp)

            import backfire.explain.analysis as analysis

            def boom(*_: object, **__: object) -> None:
                raise AssertionError("the page explained the campaign per request")
            monkeypatch.setattr(analysis, "explain_campaign", boom)
            monkeypatch.setattr(analysis, "explain", boom)
            page = client.get(path).text
            twin = client.get(path + ".json").json()
            ex = twin["explanation"]
            assert ex["triggers"]["accounts"][0]["account"] == trigger and ex["narratives"]["hostile"]
            assert set(twin["pictures"]) == {"cascade", "hostile", "support"} and "trigger_tree" not in ex["cascade"]
            assert f"@{trigger}" in page and 'id="cascade"' in page and 'id="narratives-hostile"' in page
            assert EVIL_TEXT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
            assert "<b>x</b>" not in page and "<script>" not in page.replace('<script src="/static/', "")
            tree = ex["tree"]  # the interactive view's data: served by the same function as the page
            assert 0 < tree["shown"] == len(tree["nodes"]) <= 2000 and tree["nodes"][0]["id"] == tree["root"]
            ids = {n["id"] for n in tree["nodes"]}
            assert all(n["parent"] is None or n["parent"] in ids for n in tree["nodes"][1:5])
            assert {"id", "parent", "author", "at", "stance", "reach", "text"} <= set(tree["nodes"][0])
            evil = [n for n in tree["nodes"] if EVIL_TEXT in n["text"]]
            assert evil and all(n["author"] == trigger for n in evil)  # raw in the JSON, drawn via textContent
            assert 'id="cascade-view"' in page and "/static/cascade.js" in page and 'id="cascade"' in page
            svg = client.get(twin["pictures"]["cascade"])
            assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
            assert svg.text.lstrip().startswith("<svg") and "<script" not in svg.text
            assert "content-security-policy" in svg.headers
            assert client.get(f"{path}/pictures/nope.svg").status_code == 404


def test_the_interactive_cascade_is_bounded_and_never_injects_post_data() -> None:
    from backfire.report.tree import cascade_tree

    posts = [make_post(i, text=EVIL_TEXT * 40, author=f"a{i}") for i in range(3)]
    store = open_store(":memory:")
    store.save_campaign(Campaign(name="c", tags=["x"]))
    store.add_posts(posts, "c")
    nodes = [{"id": str(i % 3 if i < 3 else f"x{i}"), "parent": None if i == 0 else "0", "minutes": i / 10,
              "author": f"a{i}", "stance": "hostile", "followers": i, "kind": "repost"} for i in range(5000)]
    ex = {"cascade": {"trigger_tree": {"root": "0", "author": "a0", "size": 5000, "shown": 5000, "nodes": nodes}}}
    tree = cascade_tree(store, "c", ex)
    assert tree is not None and tree["shown"] == len(tree["nodes"]) == 2000 and tree["size"] == 5000
    assert tree["nodes"][0]["text"].startswith(EVIL_TEXT) and len(tree["nodes"][0]["text"]) <= 281
    assert tree["nodes"][0]["at"] is not None and tree["nodes"][4]["text"] == ""
    js = (Path(__file__).resolve().parent.parent / "src/backfire/web/static/cascade.js").read_text()
    assert "innerHTML" not in js.replace("never innerHTML", "") and "textContent" in js


def test_the_page_cache_keeps_a_page_until_the_store_changes(tmp_path: Path) -> None:
    import sqlite3

    from backfire.store import open_store
    from backfire.web.pages import PageCache

    db = tmp_path / "c.db"
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    with open_store(db) as store:
        store.save_campaign(Campaign(name="c", tags=["x"]))
        cache = PageCache()
        assert cache.get(store, ("p",), compute) == cache.get(store, ("p",), compute) == {"n": 1}
        store.save_campaign(Campaign(name="d", tags=["y"]))  # this connection's own write
        assert cache.get(store, ("p",), compute) == {"n": 2}
        other = sqlite3.connect(db)  # another process's commit
        other.execute("CREATE TABLE IF NOT EXISTS t (x)")
        other.execute("INSERT INTO t VALUES (1)")
        other.commit()
        other.close()
        assert cache.get(store, ("p",), compute) == {"n": 3}
        assert cache.get(store, ("q",), compute) == {"n": 4}  # another page, its own entry

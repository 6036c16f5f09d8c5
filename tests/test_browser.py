"""End to end in a real browser (Playwright driving the system's chromium): log in, watch the timeline
change while another process ingests, approve a post, correct a verdict, export the approved set, and
fail to post a form without its CSRF token. Screenshots go to build/browser/ (look at them)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from backfire.accounts import add_user
from backfire.curate import refresh
from backfire.model import Campaign, Verdict
from backfire.store import open_store
from conftest import make_post

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "browser"
NAME = "police/launch <b>"
PASSWORD = "a long enough secret"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def _chromium() -> str:
    """The system's chromium, installed by scripts/browser-deps when missing; skip only if that fails."""
    found = os.environ.get("BACKFIRE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        subprocess.run([str(ROOT / "scripts" / "browser-deps")], check=False, timeout=600)
        found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("chromium is not installed and scripts/browser-deps could not install it (needs apt-get as "
                    "root or sudo); install Debian's chromium package to run the browser test")
    return found


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "backfire.cli", *args]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "browser.db"
    with open_store(db) as store:
        camp = Campaign(name=NAME, tags=["myNYPD"], owners=["NYPDnews"])
        store.save_campaign(camp)
        posts = [make_post(i, text=f"Thank you officers, great parade {i}", author=f"fan{i}") for i in range(12)]
        store.add_posts(posts, NAME)
        store.save_verdicts(NAME, [(p.key, Verdict(post_id=p.id, stance="support", p_hostile=0.03, p_support=0.95))
                                   for p in posts])
        refresh(store, camp)
        add_user(store, "rita", PASSWORD, "reviewer")
    with _serving(db, tmp_path) as base:
        yield base, db


@contextmanager
def _serving(db: Path, cwd: Path) -> Iterator[str]:
    port = _port()
    proc = subprocess.Popen(_cli("serve", "--db", str(db), "--port", str(port)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=cwd)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"backfire serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_reviewer_watches_the_tag_live_and_curates(server: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, db = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(base + "/")
        assert "/login" in page.url
        page.fill("input[name=name]", "rita")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("link", name=NAME).click()
        expect(page.locator("#timeline svg rect").first).to_be_visible()
        expect(page.locator("#live")).to_contain_text("live")
        assert page.locator("#timeline").get_attribute("data-total") == "12"
        page.screenshot(path=str(SHOTS / "1-campaign.png"), full_page=True)

        csv = tmp_path / "more.csv"
        csv.write_text("id,created_at,author,text\n" + "".join(
            f"n{i},2014-04-22T18:{20 + i:02d}:00Z,late{i},So gentle <script>alert(1)</script>\n" for i in range(3)))
        ingest = subprocess.run(_cli("ingest", str(csv), "--campaign", NAME, "--db", str(db)), capture_output=True,
                                text=True, timeout=120, cwd=tmp_path)
        assert ingest.returncode == 0, ingest.stderr
        committed = time.monotonic()
        expect(page.locator("#timeline")).to_have_attribute("data-total", "15", timeout=10_000)
        seen_after = time.monotonic() - committed
        assert seen_after < 2.0, f"the live update took {seen_after:.2f} s"
        expect(page.locator("#posts-count")).to_have_text("15")
        page.screenshot(path=str(SHOTS / "2-after-ingest.png"), full_page=True)

        page.get_by_role("link", name="Curation queue").click()
        first = page.locator("li.card").first
        key = first.get_attribute("data-key")
        first.locator("input[name=reason]").first.fill("a family photo, checked")
        first.get_by_role("button", name="Approve").click()
        approved = page.request.get(base + page.url.removeprefix(base).split("?")[0] + ".json?state=approved").json()
        assert [i["key"] for i in approved["items"]] == [key]

        second = page.locator("li.card").first
        second_key = second.get_attribute("data-key")
        second.locator("select[name=stance]").select_option("hostile")
        second.get_by_role("button", name="Correct stance").click()
        with open_store(db) as store:
            assert [(lb.post_key, lb.stance, lb.reviewer) for lb in store.labels(NAME)] == [
                (second_key, "hostile", "rita")]
        page.screenshot(path=str(SHOTS / "3-queue.png"), full_page=True)

        with page.expect_download() as download:
            page.get_by_role("link", name="JSONL").click()
        exported = Path(download.value.path()).read_text()
        assert key in exported and "https://img.example/" in exported

        forged = page.locator("li.card").first.locator("form.decide")
        forged.locator("input[name=csrf]").evaluate("node => node.remove()")
        with page.expect_response(lambda r: r.url.endswith("/queue/decide")) as answer:
            forged.get_by_role("button", name="Approve").click()
        assert answer.value.status == 403
        page.screenshot(path=str(SHOTS / "4-csrf-refused.png"), full_page=True)
        browser.close()


def test_the_cascade_is_interactive(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from backfire.report.stored import remember
    from backfire.simulate import generate
    from backfire.simulate.oracle import PerfectReader

    sim = generate("mynypd", seed=3, hours=3)
    db = tmp_path / "cascade.db"
    with open_store(db) as store:
        store.save_campaign(sim.campaign)
        store.add_posts(sim.posts, sim.campaign.name)
        verdicts = PerfectReader(sim.labels).predict_many(sim.posts)
        store.save_verdicts(sim.campaign.name, [(p.key, v) for p, v in zip(sim.posts, verdicts, strict=True)])
        shown = remember(store, sim.campaign)
        add_user(store, "vic", PASSWORD, "viewer")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with _serving(db, tmp_path) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(base + "/login")
        page.fill("input[name=name]", "vic")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(base + "/campaigns/" + sim.campaign.name)
        nodes = page.locator("#cascade-view circle.node")
        expect(nodes.first).to_be_visible()
        assert nodes.count() == shown["tree"]["shown"] > 10
        assert page.locator("#cascade").is_hidden()  # the static picture is the fallback only
        page.click("#cascade-trigger")
        expect(page.locator("#cascade-post .author")).to_have_text("@" + shown["tree"]["author"])
        assert page.locator("#cascade-post .text").inner_text()
        page.locator("#cascade-view").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "5-cascade.png"), full_page=True)
        page.click("#cascade-whole")
        browser.close()

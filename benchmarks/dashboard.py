"""Dashboard page time and server memory on a large campaign: the old per-request report against the live pages.

    python benchmarks/dashboard.py --posts 50000          # builds a store once under bench-out/, then measures

`old`: `report.data.overview` (explain off) + `render_report`, as `serve` did per request before issue 29.
`new`: the campaign page, its JSON twin, the post search and the queue through the app (logged in, on an
in-process client), median of `--repeat` requests. Each mode runs in its own process; peak RSS is that
process's. One post dated a year before the rest is added (`--stray`), as the issue's report had.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backfire.accounts import add_user
from backfire.model import Author, Campaign, Media, Post, Verdict
from backfire.store import open_store

NAME = "bench/campaign"
PASSWORD = "benchmark password"


def build(db: Path, posts: int, stray: bool) -> None:
    if db.exists():
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    start = datetime(2014, 4, 22, 14, tzinfo=UTC)
    stances = ("support", "neutral", "hostile")
    with open_store(db) as store:
        store.save_campaign(Campaign(name=NAME, tags=["myNYPD"], owners=["NYPDnews"]))
        batch: list[Post] = []
        verdicts: list[tuple[str, Verdict]] = []
        for i in range(posts):
            at = start + timedelta(seconds=i * 86400 / posts) if i or not stray else start - timedelta(days=365)
            s = stances[(i * 7) % 3] if i > posts // 3 else "support"
            batch.append(Post(id=str(i), platform="twitter", author=Author(handle=f"user{i % 5000}", followers=i % 900),
                              created_at=at, text=f"post {i} about officers and the parade #myNYPD",
                              media=[Media(url=f"https://img.example/{i}.jpg", alt="a photo")]))
            p = 0.9 if s == "hostile" else 0.05
            verdicts.append((f"twitter:{i}", Verdict(post_id=str(i), stance=s, p_hostile=p)))  # type: ignore[arg-type]
            if len(batch) == 5000:
                store.add_posts(batch, NAME)
                store.save_verdicts(NAME, verdicts)
                batch, verdicts = [], []
        if batch:
            store.add_posts(batch, NAME)
            store.save_verdicts(NAME, verdicts)
        add_user(store, "bench", PASSWORD, "reviewer")


def old(db: Path, repeat: int) -> dict[str, float]:
    from backfire.report.data import overview
    from backfire.report.html import render_report

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        with open_store(db) as store:
            camp = store.campaign(NAME)
            assert camp is not None
            render_report(overview(store, camp, explain=False))
        times.append(time.perf_counter() - t)
    return {"campaign_page_s": statistics.median(times)}


def new(db: Path, repeat: int) -> dict[str, float]:
    import re

    from fastapi.testclient import TestClient

    from backfire.web.app import create_app
    from backfire.web.pages import encode_name

    client = TestClient(create_app(str(db), {"testserver"}), base_url="https://testserver")
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf": token})
    path = f"/campaigns/{encode_name(NAME)}"
    out: dict[str, float] = {}
    for label, url in (("campaign_page_s", path), ("campaign_json_s", path + ".json"),
                       ("search_s", path + "/posts.json?q=parade&stance=hostile"), ("queue_page_s", path + "/queue")):
        client.get(url)  # warm (the first search builds the FTS index)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append(time.perf_counter() - t)
        out[label] = statistics.median(times)
    out["bins"] = len(client.get(path + ".json").json()["timeline"]["bins"])
    return out


def queue_refresh(db: Path, repeat: int) -> dict[str, float]:
    """The curation queue's refresh (a batch job: it replays the campaign, as `analyze` does)."""
    from backfire.curate import refresh

    with open_store(db) as store:
        camp = store.campaign(NAME)
        assert camp is not None
        t = time.perf_counter()
        refresh(store, camp)
        return {"queue_refresh_s": time.perf_counter() - t}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stray", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--mode", choices=["old", "refresh", "new", "both"], default="both")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    db = args.out / f"dashboard-{args.posts}{'-stray' if args.stray else ''}.db"
    build(db, args.posts, args.stray)
    if args.mode == "both":
        for mode in ("old", "refresh", "new"):
            subprocess.run([sys.executable, __file__, "--posts", str(args.posts), "--repeat", str(args.repeat),
                            "--mode", mode, "--out", str(args.out), "--stray" if args.stray else "--no-stray"],
                           check=True)
        return
    figures = {"old": old, "refresh": queue_refresh, "new": new}[args.mode](db, args.repeat)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": args.mode, "posts": args.posts, "stray": args.stray,
                      **{k: round(v, 4) for k, v in figures.items()}}))


if __name__ == "__main__":
    main()

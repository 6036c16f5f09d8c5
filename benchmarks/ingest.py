#!/usr/bin/env python
"""Ingest benchmark: generate an N-post Twitter v1.1 archive, ingest it with `backfire ingest` in a
child process, and print posts/s and the child's peak memory. Runs the same file twice to show that
the second run stores nothing new.

Then the single-core figure: `backfire.ingest.ingest` in a child process (its imports not timed) against
a plain loop over the same file (`json.loads` per line, one sqlite `executemany` per 5,000 rows of
key, author, time, text and the line as read, in a WAL file: `plain_loop`, library-free), best of
`--repeat` runs each, and their ratio. `--formats` repeats the library figure for the same posts written
in other formats (twitter-v2, jetstream, mastodon, csv: `sources.write_posts`).

    python benchmarks/ingest.py --posts 1000000
    python benchmarks/ingest.py --posts 100000 --repeat 3 --formats all
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = (
    "proud officers parade thanks safe city community photo smile kettled baton arrest crowd gentle protect "
    "serve finest neighbourhood bike patrol horse mounted"
).split()


ALL_FORMATS = ["twitter-v2", "jetstream", "mastodon", "csv"]


def tweet(i: int, start: datetime, rng: random.Random) -> dict[str, object]:
    """A realistic-shaped v1.1 tweet; every tenth is a retweet with the original embedded."""
    when = start + timedelta(seconds=i * 0.05)
    user = {"id_str": str(rng.randrange(10**6)), "screen_name": f"user{rng.randrange(50_000)}",
            "name": "Someone", "followers_count": int(rng.lognormvariate(5, 2))}
    text = " ".join(rng.choices(WORDS, k=rng.randrange(5, 18))) + " #myNYPD"
    doc: dict[str, object] = {
        "id_str": str(10**17 + i), "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"), "text": text,
        "lang": "en", "user": user, "in_reply_to_status_id_str": None,
        "entities": {"hashtags": [{"text": "myNYPD", "indices": [len(text) - 7, len(text)]}],
                     "user_mentions": [], "urls": []},
    }
    if i % 10 == 9:
        original = {**doc, "id_str": str(10**17 + i - 5), "user": {**user, "screen_name": "origin"}}
        doc = {**doc, "text": "RT @origin: " + text, "retweeted_status": original}
    return doc


def write_archive(path: Path, n: int) -> None:
    rng = random.Random(7)
    start = datetime(2014, 4, 22, 18, 0, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps(tweet(i, start, rng)) + "\n")


def plain_loop(archive: Path, db: Path, batch: int = 5000) -> float:
    """Seconds for the plain loop: each line `json.loads`-ed, five columns (the line itself as `raw`)
    written with one `executemany` and one commit per `batch` lines. Uses nothing of backfire."""
    import sqlite3

    t0 = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE IF NOT EXISTS posts (key TEXT PRIMARY KEY, author TEXT, created_at TEXT, "
                "text TEXT, raw TEXT)")
    rows: list[tuple[str, str, str, str, str]] = []

    def flush() -> None:
        con.execute("BEGIN")
        con.executemany("INSERT OR IGNORE INTO posts VALUES (?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
        rows.clear()

    with archive.open("rb") as fh:
        for line in fh:
            doc = json.loads(line)
            rows.append((doc["id_str"], doc["user"]["screen_name"], doc["created_at"], doc["text"],
                         line.decode("utf-8")))
            if len(rows) >= batch:
                flush()
    flush()
    con.close()
    return time.perf_counter() - t0


CHILD = """
import sys, time, resource
from backfire.ingest import ingest
from backfire.store import open_store
store = open_store(sys.argv[2])
t0 = time.perf_counter()
report = ingest(store, [sys.argv[1]], "bench", sys.argv[3] or None)
took = time.perf_counter() - t0
store.close()
print(took, report.added, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def library_ingest(archive: Path, db: Path, fmt: str = "") -> tuple[float, int, float]:
    """(seconds, posts added, peak MB) of `backfire.ingest.ingest` in a fresh child process, imports untimed."""
    r = subprocess.run([sys.executable, "-c", CHILD, str(archive), str(db), fmt], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"library ingest failed: {r.stderr[-2000:]}")
    took, added, rss = r.stdout.split()
    return float(took), int(added), int(rss) / 1024


def write_format(archive: Path, fmt: str, out: Path) -> None:
    """The posts of the v1.1 `archive` written again in `fmt` (embedded originals kept as the format does),
    ten years later (2024: Mastodon and Bluesky posts cannot be older than their platform)."""
    from backfire.model import Post
    from backfire.sources import twitter_v1, write_posts

    def later(post: Post) -> Post:
        return post.model_copy(update={"created_at": post.created_at.replace(year=post.created_at.year + 10),
                                       "embedded": [later(e) for e in post.embedded]})

    with archive.open("rb") as fh:
        posts = (later(twitter_v1.to_post(json.loads(line))) for line in fh)
        write_posts(posts, out, fmt)


def single_core(archive: Path, work: Path, n: int, repeat: int, formats: list[str]) -> None:
    plains, libs = [], []
    for _ in range(repeat):  # interleaved, so that both see the same load
        plains.append(plain_loop(archive, _fresh(work / "plain.db")))
        libs.append(library_ingest(archive, _fresh(work / "lib.db")))
    _fresh(work / "plain.db")
    _fresh(work / "lib.db")
    plain, (lib, added, peak) = min(plains), min(libs)
    print(f"plain json + sqlite loop: {n / plain:,.0f} posts/s (runs: {', '.join(f'{n / t:,.0f}' for t in plains)})")
    print(f"library ingest, one core: {n / lib:,.0f} posts/s (runs: {', '.join(f'{n / t:,.0f}' for t, _, _ in libs)}),"
          f" {added:,} posts stored, peak {peak:,.0f} MB")
    print(f"ratio to the plain loop: {plain / lib:.2f}")
    for fmt in formats:
        path = work / ("archive.csv" if fmt == "csv" else f"archive-{fmt}.jsonl")
        write_format(archive, fmt, path)
        runs = [library_ingest(path, _fresh(work / "lib.db"), fmt) for _ in range(repeat)]
        _fresh(work / "lib.db")
        best = min(runs)
        print(f"  {fmt:<11} {n / best[0]:>9,.0f} posts/s (runs: {', '.join(f'{n / t:,.0f}' for t, _, _ in runs)}),"
              f" peak {best[2]:,.0f} MB, {path.stat().st_size / 1e6:,.0f} MB file")


def _fresh(db: Path) -> Path:
    """`db` with no file left from an earlier run (a store of a million posts takes 1.5 GB)."""
    for part in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        part.unlink(missing_ok=True)
    return db


def run_ingest(backfire: str, archive: Path, db: Path) -> tuple[float, str]:
    t0 = time.perf_counter()
    r = subprocess.run([backfire, "ingest", str(archive), "--campaign", "bench", "--db", str(db)],
                       capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"ingest failed: {r.stderr[-2000:]}")
    return elapsed, r.stderr.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the generated archive and store")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the single-core comparison (best is shown)")
    ap.add_argument("--formats", default="", help="comma-separated formats to time too, or 'all'")
    args = ap.parse_args()
    backfire = shutil.which("backfire") or str(Path(sys.executable).parent / "backfire")
    work = Path(tempfile.mkdtemp(prefix="backfire-bench-"))
    archive, db = work / "archive.jsonl", work / "bench.db"
    t0 = time.perf_counter()
    write_archive(archive, args.posts)
    print(f"generated {args.posts:,} posts ({archive.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
    first, summary1 = run_ingest(backfire, archive, db)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    second, summary2 = run_ingest(backfire, archive, db)
    print(f"first ingest:  {first:.1f} s, {args.posts / first:,.0f} posts/s  ({summary1})")
    print(f"second ingest: {second:.1f} s, {args.posts / second:,.0f} posts/s  ({summary2})")
    print(f"peak memory of the ingest process: {peak_mb:,.0f} MB")
    print(f"store size: {db.stat().st_size / 1e6:,.0f} MB")
    formats = ALL_FORMATS if args.formats == "all" else [f for f in args.formats.split(",") if f]
    single_core(archive, work, args.posts, args.repeat, formats)
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()

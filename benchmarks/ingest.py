#!/usr/bin/env python
"""Ingest benchmark: generate an N-post Twitter v1.1 archive, ingest it with `backfire ingest` in a
child process, and print posts/s and the child's peak memory. Runs the same file twice to show that
the second run stores nothing new.

    python benchmarks/ingest.py --posts 1000000
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
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()

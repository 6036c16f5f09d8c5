#!/usr/bin/env python
"""Store load benchmark: `Store.add_posts` of N generated posts (every tenth a retweet with its original
embedded) in batches, into a new SQLite file and, with `--pg URL`, into a new schema of a PostgreSQL
database; then the same batches again (all duplicates: the idempotent path), the time to open an
existing store, and a full `posts()` read. Prints posts/s per phase and store. No classifier, no parsing:
this measures the store alone.

    python benchmarks/store_load.py --posts 100000
    python benchmarks/store_load.py --posts 100000 --pg postgresql://backfire@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backfire.model import Author, Post
from backfire.store import Store, open_store

WORDS = "proud officers parade thanks safe city community photo smile kettled baton arrest crowd gentle".split()


def make_posts(n: int, seed: int = 7) -> list[Post]:
    rng, start, out = random.Random(seed), datetime(2014, 4, 22, 18, 0, tzinfo=UTC), []
    for i in range(n):
        when = start + timedelta(seconds=i * 0.5)
        text = " ".join(rng.choice(WORDS) for _ in range(12)) + " #myNYPD"
        author = Author(handle=f"user{rng.randrange(n // 4 + 1)}", followers=rng.randrange(5000))
        post = Post(id=str(i), platform="twitter", author=author, created_at=when, text=text, hashtags=["myNYPD"],
                    raw={"id_str": str(i), "text": text})
        if i % 10 == 9:
            original = Post(id=f"o{i}", platform="twitter", author=Author(handle="orig"), created_at=when,
                            text=text, raw={"id_str": f"o{i}"})
            post = post.model_copy(update={"repost_of": f"o{i}", "embedded": [original]})
        out.append(post)
    return out


def timed(label: str, n: int, run: Callable[[], object]) -> None:
    t = time.perf_counter()
    run()
    dt = time.perf_counter() - t
    print(f"  {label:<28} {dt:7.2f} s   {n / dt:9,.0f} posts/s" if n else f"  {label:<28} {dt * 1000:7.1f} ms")


def bench(location: str, posts: list[Post], batch: int) -> None:
    batches = [posts[i: i + batch] for i in range(0, len(posts), batch)]
    store: Store | None = None

    def create() -> None:
        nonlocal store
        store = open_store(location)

    def load() -> None:
        assert store is not None
        for part in batches:
            store.add_posts(part, "c")

    timed("open (new store)", 0, create)
    timed("add_posts (new)", len(posts), load)
    timed("add_posts (all duplicates)", len(posts), load)
    assert store is not None
    store.close()
    timed("open (existing store)", 0, create)
    timed("posts() read", len(posts), lambda: sum(1 for _ in store.posts("c")))  # type: ignore[union-attr]
    store.close()  # type: ignore[union-attr]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=5_000, help="posts per add_posts call (ingest's batch size)")
    ap.add_argument("--pg", default="", help="a PostgreSQL URL: also load into a new schema there (dropped after)")
    args = ap.parse_args()
    posts = make_posts(args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"SQLite, {args.posts:,} posts in batches of {args.batch:,}:")
        bench(str(Path(tmp) / "bench.db"), posts, args.batch)
    if args.pg:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:8]
        with psycopg.connect(args.pg, autocommit=True) as db:
            db.execute(f"CREATE SCHEMA {schema}")
        try:
            print(f"PostgreSQL, {args.posts:,} posts in batches of {args.batch:,}:")
            sep = "&" if "?" in args.pg else "?"
            bench(f"{args.pg}{sep}options=-csearch_path%3D{schema}", posts, args.batch)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as db:
                db.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()

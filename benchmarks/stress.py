#!/usr/bin/env python
"""Stress benchmark: every command on one store at once, and `kill -9` during ingest, with exact counts.

1. Concurrency: the archive (N posts, Twitter v1.1, every tenth a retweet embedding an earlier post) is
   split in two halves ingested by two `backfire ingest` processes at once, while `analyze`, `export`,
   `report --json` and the dashboard (`backfire serve`, the campaign page's JSON twin) read the same
   store over and over. Every command must succeed; each one's runs and times are printed. At the end
   the store must hold exactly N posts, each with its own sequence number, and a last export, report
   and dashboard page must each count N.
2. `kill -9`: `backfire ingest` of the whole archive into a fresh store is killed K times at random
   moments and restarted; the last run completes and the store must hold exactly N posts.

    python benchmarks/stress.py --posts 200000
    python benchmarks/stress.py --posts 20000 --kills 5     # a quick check
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ingest import write_archive  # benchmarks/ingest.py: the same archive shape

CAMPAIGN = "stress"
MODEL = "baseline"  # the store's concurrency is measured, not the classifier's speed


@dataclass
class Runs:
    """Wall times of one command's runs, and the failures."""

    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        if not self.times:
            return f"{name:<10} no run"
        t = self.times
        return (f"{name:<10} {len(t):>3} runs  min {min(t):6.2f} s  median {statistics.median(t):6.2f} s  "
                f"max {max(t):6.2f} s  failures {len(self.failures)}")


def backfire() -> str:
    return shutil.which("backfire") or str(Path(sys.executable).parent / "backfire")


def run(args: list[str], runs: Runs, out: Path | None = None) -> str:
    t0 = time.perf_counter()
    r = subprocess.run([backfire(), *args], capture_output=True, text=True)
    runs.times.append(time.perf_counter() - t0)
    if r.returncode != 0:
        runs.failures.append(f"{' '.join(args[:2])}: exit {r.returncode}: {r.stderr.strip()[-600:]}")
    return r.stdout


def counts(db: Path) -> tuple[int, int, int, int]:
    """(posts, campaign rows, distinct sequence numbers, verdicts) of the campaign, read directly."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60) as con:
        posts = con.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
        rows, seqs = con.execute("SELECT COUNT(*), COUNT(DISTINCT seq) FROM campaign_posts "
                                 "WHERE campaign = ?", (CAMPAIGN,)).fetchone()
        verdicts = con.execute("SELECT COUNT(*) FROM verdicts WHERE campaign = ?", (CAMPAIGN,)).fetchone()[0]
    return int(posts), int(rows), int(seqs), int(verdicts)


def split(archive: Path, parts: list[Path]) -> None:
    handles = [p.open("w", encoding="utf-8") for p in parts]
    with archive.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            handles[i % len(parts)].write(line)
    for h in handles:
        h.close()


class Dashboard:
    """`backfire serve` on the store, with a viewer's session cookie made through the library."""

    def __init__(self, db: Path, port: int) -> None:
        from backfire import accounts
        from backfire.store import open_store

        store = open_store(db)
        user = accounts.add_user(store, "stress", "a long enough passphrase", "viewer")
        self.token, _ = accounts.start_session(store, user, 12.0)
        store.close()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([backfire(), "serve", "--db", str(db), "--port", str(port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/login", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the dashboard did not start")

    def page(self, runs: Runs) -> dict[str, object]:
        req = urllib.request.Request(f"{self.url}/campaigns/{CAMPAIGN}.json",
                                     headers={"Cookie": f"backfire_session={self.token}"})
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=120) as answer:
                data: dict[str, object] = json.load(answer)
        except OSError as exc:
            runs.failures.append(f"dashboard: {exc}")
            data = {}
        runs.times.append(time.perf_counter() - t0)
        return data

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def concurrency(work: Path, archive: Path, n: int) -> bool:
    db = work / "concurrent.db"
    halves = [work / "a.jsonl", work / "b.jsonl"]
    split(archive, halves)
    ingest = Runs()
    t0 = time.perf_counter()
    writers = [subprocess.Popen([backfire(), "ingest", str(h), "--campaign", CAMPAIGN, "--db", str(db)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for h in halves]
    while not db.exists() or counts_or_zero(db) == 0:
        time.sleep(0.2)
    dashboard = Dashboard(db, random.randrange(20_000, 40_000))
    runs = {name: Runs() for name in ("analyze", "export", "report", "dashboard")}
    done = threading.Event()
    out = work / "export.jsonl"

    def loop(name: str) -> None:
        while not done.is_set():
            if name == "analyze":
                run(["analyze", CAMPAIGN, "--db", str(db), "--model", MODEL, "--json"], runs[name])
            elif name == "export":
                run(["export", CAMPAIGN, "--db", str(db), "--model", MODEL, "-o", str(out)], runs[name])
            elif name == "report":
                run(["report", CAMPAIGN, "--db", str(db), "--model", MODEL, "--json"], runs[name])
            else:
                dashboard.page(runs[name])
                time.sleep(0.5)

    readers = [threading.Thread(target=loop, args=(name,)) for name in runs]
    for t in readers:
        t.start()
    for w in writers:
        _, err = w.communicate()
        if w.returncode != 0:
            ingest.failures.append(f"ingest: exit {w.returncode}: {err.strip()[-600:]}")
    ingest.times.append(time.perf_counter() - t0)
    done.set()
    for t in readers:
        t.join()
    print(f"ingest of {n:,} posts in two processes: {ingest.times[0]:.1f} s while the readers ran")
    for name, r in runs.items():
        print("  " + r.line(name))
    final = Runs()  # one more of each after the writers finished: every count must be exact
    run(["export", CAMPAIGN, "--db", str(db), "--model", MODEL, "-o", str(out)], final)
    exported = sum(1 for _ in out.open(encoding="utf-8"))
    report = json.loads(run(["report", CAMPAIGN, "--db", str(db), "--model", MODEL, "--json"], final) or "{}")
    page = dashboard.page(final)
    dashboard.stop()
    posts, rows, seqs, verdicts = counts(db)
    checks = {
        "posts stored": (posts, n), "campaign rows": (rows, n), "distinct sequence numbers": (seqs, n),
        "verdicts": (verdicts, n), "exported": (exported, n), "report posts": (report.get("posts"), n),
        "dashboard live posts": (_live(page), n),
    }
    failures = [*ingest.failures, *final.failures, *(f for r in runs.values() for f in r.failures)]
    return _verdict(checks, failures)


def _live(page: dict[str, object]) -> object:
    return page.get("posts")


def counts_or_zero(db: Path) -> int:
    try:
        return counts(db)[1]
    except sqlite3.Error:
        return 0


def kill_loop(work: Path, archive: Path, n: int, kills: int, rng: random.Random) -> bool:
    db = work / "killed.db"
    cmd = [backfire(), "ingest", str(archive), "--campaign", CAMPAIGN, "--db", str(db)]
    for k in range(kills):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.5, 6.0))
        proc.kill()
        proc.wait()
        print(f"  kill -9 #{k + 1}: {counts_or_zero(db):,} posts stored so far")
    t0 = time.perf_counter()
    last = subprocess.run(cmd, capture_output=True, text=True)
    print(f"  last run: {time.perf_counter() - t0:.1f} s, exit {last.returncode}")
    posts, rows, seqs, _ = counts(db)
    again = subprocess.run(cmd, capture_output=True, text=True)
    posts2, rows2, _, _ = counts(db)
    checks = {"posts stored": (posts, n), "campaign rows": (rows, n), "distinct sequence numbers": (seqs, n),
              "posts after a second run": (posts2, n), "rows after a second run": (rows2, n)}
    errors = [f"exit {p.returncode}: {p.stderr[-600:]}" for p in (last, again) if p.returncode != 0]
    return _verdict(checks, errors)


def _verdict(checks: dict[str, tuple[object, int]], failures: list[str]) -> bool:
    ok = not failures
    for name, (got, want) in checks.items():
        mark = "ok" if got == want else "WRONG"
        ok = ok and got == want
        print(f"  {name:<28} {got!s:>10} (expected {want:,})  {mark}")
    for f in failures:
        print(f"  FAILED {f}")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--kills", type=int, default=5, help="kill -9 interruptions of ingest (0: skip)")
    ap.add_argument("--keep", action="store_true", help="keep the generated archive and stores")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="backfire-stress-"))
    archive = work / "archive.jsonl"
    write_archive(archive, args.posts)
    print(f"archive: {args.posts:,} posts, {archive.stat().st_size / 1e6:.0f} MB, in {work}")
    ok = concurrency(work, archive, args.posts)
    if args.kills:
        print(f"kill -9 loop over ingest ({args.kills} kills):")
        ok = kill_loop(work, archive, args.posts, args.kills, random.Random(31)) and ok
    if not args.keep:
        shutil.rmtree(work)
    print("all counts exact" if ok else "SOME CHECKS FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

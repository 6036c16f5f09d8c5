#!/usr/bin/env python3
"""Scale benchmark (issue 30): N posts (about 60% reposts) through ingest + classify + detect, in process
and on Ray with 1 and 2 workers, into SQLite and into PostgreSQL; posts/s and peak memory of each.

    python benchmarks/scale.py [--posts 1000000] [--campaigns 10] [--configs all] [--data DIR]
    python benchmarks/scale.py prepare --data DIR [--posts N]     only write the archive

The archive: `--campaigns` simulated campaigns (the simulator's cascades, hijacked or calm, each post
carrying a real labelled post of ../shared/data of the same stance, as `benchmarks/detect` does), written
as Twitter v1.1 JSON Lines (retweets embed their original), one file per campaign, ids made distinct
per campaign. `--data DIR` keeps it for later runs.

Each configuration runs in a fresh process (`run` below) on a fresh store: ingest every file into its
campaign, then `analyze` every campaign (classify its posts, the distinct texts once, then detect in time
order, verdicts and alarms stored). Peak memory is sampled every 0.2 s over the whole process tree (the
Ray workers and raylet included) and, for PostgreSQL, over the server's processes, and given beside the
driver's own peak. In the same run, the plain loop (`benchmarks/ingest.py plain_loop`: json.loads + one
sqlite executemany per 5,000 lines, nothing of backfire) reads the same files, for the single-core ratio.

    configurations: inproc-sqlite inproc-pg ray1-sqlite ray2-sqlite ray1-pg ray2-pg
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CONFIGS = {
    "inproc-sqlite": ("in-process", 1, "sqlite"),
    "inproc-pg": ("in-process", 1, "pg"),
    "ray1-sqlite": ("ray", 1, "sqlite"),
    "ray2-sqlite": ("ray", 2, "sqlite"),
    "ray1-pg": ("ray", 1, "pg"),
    "ray2-pg": ("ray", 2, "pg"),
}
SCENARIOS = ("mynypd", "slow-burn", "copycat")


# -- the archive ---------------------------------------------------------------------------------------
def prepare(data: Path, posts: int, campaigns: int) -> dict[str, Any]:
    """Write (or reuse) the archive in `data`: `campaigns` campaigns of about posts/campaigns posts each,
    and more (smaller) ones until there are at least `posts` (the simulator's volume only approximates
    the scale asked); its manifest."""
    manifest_path = data / "manifest.json"
    manifest: dict[str, Any] = {"requested": posts, "campaigns": [], "seconds": 0.0}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest["requested"] != posts:
            manifest = {"requested": posts, "campaigns": [], "seconds": 0.0}
    entries = manifest["campaigns"]
    total = sum(e["posts"] for e in entries)
    if total >= posts and len(entries) >= campaigns:
        return manifest
    from detect_run import text_bank

    data.mkdir(parents=True, exist_ok=True)
    bank, per, t0 = text_bank("real"), posts // campaigns, time.perf_counter()
    while total < posts or len(entries) < campaigns:
        entry = _write_campaign(data, len(entries), min(per, max(posts - total, per // 10)), bank)
        entries.append(entry)
        total += entry["posts"]
        print(f"  campaign {len(entries)}: {entry['posts']:,} posts ({entry['scenario']}), {total:,} in all",
              flush=True)
    manifest.update(posts=total, reposts=sum(e["reposts"] for e in entries) / total,
                    seconds=manifest["seconds"] + time.perf_counter() - t0)
    manifest_path.write_text(json.dumps(manifest))
    return manifest


def _write_campaign(data: Path, i: int, size: int, bank: Any) -> dict[str, Any]:
    """Campaign `i` of about `size` posts with real texts, written as Twitter v1.1 JSON Lines."""
    from backfire.simulate import generate
    from backfire.simulate.realtext import with_real_texts
    from backfire.sources import write_posts

    scenario = SCENARIOS[i % len(SCENARIOS)]
    probe = generate(scenario, seed=100 + i, hours=24.0)
    sim = generate(scenario, seed=100 + i, hours=24.0, scale=size / len(probe.posts))
    sim = with_real_texts(sim, bank, seed=i)
    moved = [_offset(p, i) for p in sim.posts]
    path = data / f"campaign-{i:02d}.jsonl"
    write_posts(moved, path, "twitter-v1")
    campaign = sim.campaign.model_copy(update={"name": f"{sim.campaign.name}-{i:02d}"})
    return {"file": path.name, "campaign": json.loads(campaign.model_dump_json()), "posts": len(moved),
            "reposts": sum(p.is_repost for p in moved), "scenario": scenario,
            "hijacked": bool(sim.truth.trigger_accounts)}


def _offset(post: Any, i: int) -> Any:
    """`post` with its ids (and those it points to) moved into campaign `i`'s own range."""
    def move(x: str | None) -> str | None:
        return None if x is None else str(int(x) + i * 10**16) if x.isdigit() else f"{x}-{i}"

    return post.model_copy(update={"id": move(post.id), "repost_of": move(post.repost_of),
                                   "reply_to": move(post.reply_to), "quote_of": move(post.quote_of),
                                   "embedded": [_offset(e, i) for e in post.embedded]})


# -- memory of a process tree ----------------------------------------------------------------------------
def _rss_kb(pid: int, field: str = "VmRSS") -> int:
    """A process's RSS (or, with "VmHWM", its peak: not `ru_maxrss`, which Linux carries over from the
    forking parent across exec)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next((int(line.split()[1]) for line in fh if line.startswith(field)), 0)
    except OSError:
        return 0


def _tree(root: int) -> set[int]:
    """`root` and every process under it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo += children.get(pid, [])
    return seen


class PeakMemory:
    """The largest summed RSS seen over the trees of `roots`, sampled every `every` seconds."""

    def __init__(self, roots: list[int], every: float = 0.2) -> None:
        self.roots, self.every, self.peak_kb, self._stop = roots, every, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = set().union(*(_tree(r) for r in self.roots))
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(p) for p in pids))
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


# -- one configuration, in its own process --------------------------------------------------------------
def run_config(args: argparse.Namespace) -> None:
    """Ingest then analyze every campaign of the archive into `args.store`; one JSON line of figures."""
    from backfire.model import Campaign
    from backfire.scale.run import run_analyze, run_ingest
    from backfire.warn import HijackDetector

    engine, workers, _ = CONFIGS[args.config]
    manifest = json.loads((Path(args.data) / "manifest.json").read_text())
    roots = [os.getpid(), *([args.server_pid] if args.server_pid else [])]
    out: dict[str, Any] = {"config": args.config}
    with PeakMemory(roots) as peak, _session(engine, workers):
        ingest_s, read = 0.0, 0
        t0 = time.perf_counter()
        for entry in manifest["campaigns"]:
            campaign = Campaign.model_validate(entry["campaign"])
            run = run_ingest([Path(args.data) / entry["file"]], campaign, args.store, engine=engine,
                             workers=workers, write_on_workers=args.store.startswith("postgresql"))
            read += run.report.read
        ingest_s = time.perf_counter() - t0
        campaigns = [Campaign.model_validate(e["campaign"]) for e in manifest["campaigns"]]
        analyzed = run_analyze(args.store, campaigns, [HijackDetector(c) for c in campaigns], model=args.model,
                               engine=engine, workers=workers)
    alarms = sum(len(r.alarms) for r in analyzed.results)
    out.update(posts=read, ingest_s=ingest_s, analyze_s=analyzed.timing.seconds, phases=analyzed.phases,
               alarms=alarms, hijacked_alarmed=sum(bool(r.alarms) and e["hijacked"] for r, e in
                                                   zip(analyzed.results, manifest["campaigns"], strict=True)),
               peak_tree_mb=peak.peak_kb / 1024,
               peak_driver_mb=_rss_kb(os.getpid(), "VmHWM") / 1024)
    print(json.dumps(out), flush=True)


def _session(engine: str, workers: int) -> Any:
    """One Ray for all the configuration's jobs (each job joins it), or nothing in process."""
    import contextlib

    if engine != "ray":
        return contextlib.nullcontext()
    from backfire.scale.engine import RayOptions, ray_session

    return ray_session(RayOptions(workers))


# -- the whole benchmark ---------------------------------------------------------------------------------
class Postgres:
    """A throwaway PostgreSQL server (`scripts/postgres`), a fresh database per configuration."""

    def __init__(self) -> None:
        out = subprocess.run([str(ROOT / "scripts" / "postgres"), "start"], check=True, capture_output=True,
                             text=True).stdout.split()
        self.folder, self.url = out[0], out[1]
        self.pid = int(Path(self.folder, "data", "postmaster.pid").read_text().split()[0])

    def database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", self.folder], check=False)


def plain_rate(data: Path, manifest: dict[str, Any], work: Path) -> float:
    """Posts/s of the plain json + sqlite loop over the archive's files (one store, like ingest)."""
    from ingest import plain_loop

    seconds = sum(plain_loop(data / e["file"], work / "plain.db") for e in manifest["campaigns"])
    return sum(e["posts"] for e in manifest["campaigns"]) / seconds


def one(config: str, data: Path, store: str, model: str, server_pid: int | None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "run", "--config", config, "--data", str(data), "--store", store,
           "--model", model]
    if server_pid:
        cmd += ["--server-pid", str(server_pid)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{config} failed:\n{r.stderr[-3000:]}")
    return dict(json.loads(r.stdout.strip().splitlines()[-1]))


def report(results: list[dict[str, Any]], plain: float, manifest: dict[str, Any]) -> None:
    n = manifest["posts"]
    print(f"\n{n:,} posts in {len(manifest['campaigns'])} campaigns ({manifest['reposts']:.0%} reposts)")
    print(f"{'configuration':14} {'ingest/s':>9} {'analyze/s':>10} {'total/s':>8} {'peak MB':>8} {'driver MB':>9} "
          f"{'texts':>7} {'alarmed':>8}")
    for r in results:
        total = r["posts"] / (r["ingest_s"] + r["analyze_s"])
        texts = r["phases"].get("texts", "")
        print(f"{r['config']:14} {r['posts'] / r['ingest_s']:9,.0f} {r['posts'] / r['analyze_s']:10,.0f} {total:8,.0f} "
              f"{r['peak_tree_mb']:8,.0f} {r['peak_driver_mb']:9,.0f} {texts:>7} "
              f"{r['hijacked_alarmed']}/{sum(e['hijacked'] for e in manifest['campaigns'])}")
    for r in results:
        if r["phases"]:
            parts = ", ".join(f"{k} {v:,.0f}" + ("" if k == "texts" else " s") for k, v in r["phases"].items())
            print(f"  {r['config']} analyze phases: {parts}")
    by = {r["config"]: r for r in results}
    for store in ("sqlite", "pg"):
        one_w, two_w = by.get(f"ray1-{store}"), by.get(f"ray2-{store}")
        if one_w and two_w:
            for phase in ("ingest_s", "analyze_s"):
                eff = one_w[phase] / two_w[phase] / 2
                print(f"scaling efficiency of 2 workers on 2 cores, {store}, {phase[:-2]}: {eff:.0%} "
                      f"({one_w[phase]:.0f} s -> {two_w[phase]:.0f} s)")
    if "inproc-sqlite" in by:
        lib = n / by["inproc-sqlite"]["ingest_s"]
        print(f"single-core ingest: {lib:,.0f} posts/s; plain json + sqlite loop {plain:,.0f} posts/s; "
              f"ratio {lib / plain:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", default="all", choices=("all", "prepare", "run"))
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--campaigns", type=int, default=10)
    ap.add_argument("--configs", default="all", help=f"comma-separated, of: {', '.join(CONFIGS)}")
    ap.add_argument("--data", default=None, help="folder of the archive (made when missing; kept)")
    ap.add_argument("--model", default="default")
    ap.add_argument("--config", help="run: the configuration")
    ap.add_argument("--store", help="run: the store location")
    ap.add_argument("--server-pid", type=int, default=None, help="run: the PostgreSQL server, for memory")
    args = ap.parse_args()
    if args.what == "run":
        run_config(args)
        return
    if args.what == "prepare":
        prepare(Path(args.data or "scale-data"), args.posts, args.campaigns)
        return
    configs = list(CONFIGS) if args.configs == "all" else args.configs.split(",")
    with tempfile.TemporaryDirectory(prefix="bf-scale-") as tmp:
        work = Path(tmp)
        data = Path(args.data) if args.data else work / "data"
        manifest = prepare(data, args.posts, args.campaigns)
        print(f"archive: {manifest['posts']:,} posts ({manifest['reposts']:.0%} reposts) in {data}", flush=True)
        plain = plain_rate(data, manifest, work)
        print(f"plain json + sqlite loop: {plain:,.0f} posts/s", flush=True)
        pg = Postgres() if any(CONFIGS[c][2] == "pg" for c in configs) else None
        results = []
        try:
            for config in configs:
                kind = CONFIGS[config][2]
                store = pg.database(config.replace("-", "_")) if kind == "pg" and pg else str(work / f"{config}.db")
                results.append(one(config, data, store, args.model, pg.pid if kind == "pg" and pg else None))
                r = results[-1]
                print(f"  {config}: ingest {r['ingest_s']:.0f} s, analyze {r['analyze_s']:.0f} s, peak "
                      f"{r['peak_tree_mb']:,.0f} MB", flush=True)
        finally:
            if pg:
                pg.stop()
        report(results, plain, manifest)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark the explanation layer (issue 28), each figure beside a baseline of the same run.

    python benchmarks/explain.py attribution [--streams 20] [--classifier noisy|default] [--texts real]
        true trigger ranked first on simulated hijacks (mynypd, slow-burn, copycat) in every stream
        regime (linked, flat, rt-rows, tag-only), against the volume-ranked (most hostile posts) and
        follower-ranked (most-followed hostile author) baselines over the same window
    python benchmarks/explain.py narratives [--targets 8] [--per-target 120]
        real posts about N targets of ../shared/data/topic_sentiment clustered as narratives (the
        classifier's embeddings, k by silhouette), NMI/ARI against the targets, beside k-means on TF-IDF
        given the true k
    python benchmarks/explain.py scale [--posts 100000]
        a simulated campaign written as a Twitter v1.1 archive and ingested (raw records stored, as
        from a real archive), with verdicts; then the explanation step (narratives with the
        classifier's embeddings, the encoder loaded by the step as in `analyze`): seconds and peak
        memory (VmHWM) of the step in a fresh process
        (`--db PATH` keeps the store for later runs; `--runs N` repeats the step)
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from detect_run import SHARED_DATA, simulate, verdicts_for  # noqa: E402

from backfire.explain.analysis import explain  # noqa: E402

REGIMES = {"linked": (), "flat": ("flat",), "rt-rows": ("rt-rows",), "tag-only": ("tag-only",)}
SCENARIOS = ("mynypd", "slow-burn", "copycat")


def baselines(pairs: list, since, campaign) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    """The volume-ranked and follower-ranked trigger over posts from `since` (less an hour) on."""
    start = since - timedelta(minutes=60)
    hostile = [p for p, v in pairs if v is not None and v.p_hostile >= 0.5 and p.created_at >= start
               and not campaign.is_owner(p.author.handle)]
    volume = Counter(p.author.handle for p in hostile).most_common(1)
    followed = max(hostile, key=lambda p: p.author.followers or 0, default=None)
    return (volume[0][0] if volume else None), (followed.author.handle if followed else None)


def attribution(args: argparse.Namespace) -> None:
    print(f"{'regime':10} {'streams':>7} {'ours':>6} {'volume':>7} {'followers':>9} {'alarmed':>8}")
    for regime, tweaks in REGIMES.items():
        hits = Counter()
        n = 0
        for i in range(args.streams):
            scenario, seed = SCENARIOS[i % len(SCENARIOS)], 1000 + i
            sim = simulate(scenario, seed, args.hours, args.texts, tweaks)
            pairs = list(zip(sim.posts, verdicts_for(sim, args.classifier, seed), strict=True))
            data = explain(pairs, sim.campaign, narratives=False)
            truth = sim.truth.trigger_accounts[0]
            accounts = data["triggers"]["accounts"]
            since = sim.posts[0].created_at if data["onset"] is None else _time(data["onset"])
            volume, followed = baselines(pairs, since, sim.campaign)
            n += 1
            hits["ours"] += bool(accounts) and accounts[0]["account"] == truth
            hits["volume"] += volume == truth
            hits["followers"] += followed == truth
            hits["alarmed"] += data["onset"] is not None
        print(f"{regime:10} {n:7d} {hits['ours'] / n:6.1%} {hits['volume'] / n:7.1%} {hits['followers'] / n:9.1%} "
              f"{hits['alarmed'] / n:8.1%}", flush=True)


def _time(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def narratives_bench(args: argparse.Namespace) -> None:
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from backfire.explain.narratives import EMBEDDING_WEIGHT, classifier_embedder, cluster, represent

    rows = []
    for split in ("train", "val"):
        with (SHARED_DATA / "topic_sentiment" / f"{split}.csv").open(encoding="utf-8") as fh:
            rows += list(csv.DictReader(fh))
    by_target = Counter(r["target"] for r in rows)
    targets = [t for t, _ in by_target.most_common(args.targets)]
    rng = random.Random(args.seed)
    chosen = []
    for t in targets:
        texts = sorted({r["text"] for r in rows if r["target"] == t})
        chosen += [(t, s) for s in rng.sample(texts, min(args.per_target, len(texts)))]
    truth = [targets.index(t) for t, _ in chosen]
    texts = [s for _, s in chosen]
    embed = classifier_embedder("default")
    assert embed is not None
    start = time.perf_counter()
    x = embed(texts)
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(texts)
    ours = cluster(represent(tfidf, EMBEDDING_WEIGHT * x), max_k=12)
    emb_only = cluster_fixed(x, len(targets))
    seconds = time.perf_counter() - start
    base = KMeans(len(targets), n_init=10, random_state=args.seed).fit_predict(tfidf)
    print(f"{len(texts)} posts about {len(targets)} targets: {', '.join(targets)}")
    for name, labels in (("ours (k by silhouette)", ours), (f"embeddings alone, Ward (k={len(targets)})", emb_only),
                         (f"k-means on TF-IDF (k={len(targets)})", base)):
        print(f"  {name:32} k={len(set(labels)):2d}  NMI {normalized_mutual_info_score(truth, labels):.3f}  "
              f"ARI {adjusted_rand_score(truth, labels):.3f}")
    print(f"  embedding + clustering: {seconds:.1f} s")


def cluster_fixed(x, k: int):  # type: ignore[no-untyped-def]
    from sklearn.cluster import AgglomerativeClustering

    return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x)


def scale(args: argparse.Namespace) -> None:
    """Store the campaign (or reuse `--db`), then time the explanation step in a fresh process, so its
    peak RSS is the step's own (imports, the encoder, the posts), not the simulator's."""
    import json
    import subprocess

    with tempfile.TemporaryDirectory() as folder:
        db = Path(args.db) if args.db else Path(folder) / "s.db"
        if not db.exists():
            _store_campaign(db, args)
        for run in range(args.runs):
            out = subprocess.run([sys.executable, __file__, "scale-step", "--db", str(db), "--seed", str(args.seed)],
                                 check=True, capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{r['posts']:,} posts stored with verdicts: explanation in {r['seconds']:.1f} s, peak RSS "
                  f"{r['peak_mb']:.0f} MB (after imports {r['before_mb']:.0f} MB; the step loads the encoder); "
                  "first trigger "
                  f"@{r['top']} (truth @{r['truth']}); {r['hostile']} hostile narratives [run {run + 1}]", flush=True)


def _store_campaign(db: Path, args: argparse.Namespace) -> None:
    from backfire.ingest import ingest
    from backfire.simulate import generate
    from backfire.simulate.oracle import NoisyClassifier
    from backfire.sources import write_posts
    from backfire.store import open_store

    probe = generate("mynypd", seed=args.seed, hours=24.0)
    sim = generate("mynypd", seed=args.seed, hours=24.0, scale=args.posts / len(probe.posts))
    verdicts = NoisyClassifier(sim.labels, seed=args.seed).predict_many(sim.posts)
    archive = db.with_suffix(".jsonl")  # stored as an archive is: ingested, raw records kept
    write_posts(sim.posts, archive, "twitter-v1")
    with open_store(db) as store:
        ingest(store, [archive], sim.campaign)
        store.save_verdicts(sim.campaign.name, ((p.key, v) for p, v in zip(sim.posts, verdicts, strict=True)))
        store.set_cursor("benchmark-truth", sim.truth.trigger_accounts[0])


def scale_step(args: argparse.Namespace) -> None:
    """One explanation of the stored campaign in this (fresh) process; one JSON line of figures."""
    import json

    from backfire.explain.analysis import explain_campaign
    from backfire.explain.narratives import classifier_embedder
    from backfire.store import open_store

    with open_store(args.db) as store:
        campaign = store.campaigns()[0]
        embed = classifier_embedder("default")  # as `analyze` does: the encoder loads when narratives need it
        assert embed is not None
        before = peak_rss_mb()
        start = time.perf_counter()
        data = explain_campaign(store, campaign, embed=embed)
        seconds = time.perf_counter() - start
        truth = store.get_cursor("benchmark-truth")
    peak = peak_rss_mb()
    top = data["triggers"]["accounts"][0]["account"] if data["triggers"]["accounts"] else None
    print(json.dumps({"posts": data["window"]["posts"], "seconds": seconds, "peak_mb": peak, "before_mb": before,
                      "top": top, "truth": truth, "hostile": len(data["narratives"]["hostile"])}))


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not `ru_maxrss`: Linux carries the forking parent's peak into a
    child across exec, so a step run right after the store was made would report the maker's memory."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("attribution", "narratives", "scale", "scale-step"))
    parser.add_argument("--streams", type=int, default=30)
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--classifier", default="noisy")
    parser.add_argument("--texts", default=None)
    parser.add_argument("--targets", type=int, default=8)
    parser.add_argument("--per-target", type=int, default=120)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", default=None, help="scale: the store to explain (made first if missing)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    runs = {"attribution": attribution, "narratives": narratives_bench, "scale": scale, "scale-step": scale_step}
    runs[args.what](args)


if __name__ == "__main__":
    main()

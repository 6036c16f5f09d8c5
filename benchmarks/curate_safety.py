#!/usr/bin/env python3
"""Queue safety measured with the shipped classifier (issue 29, "What it must show").

    python benchmarks/curate_safety.py [--streams 4] [--hours 6] [--texts real] [--apple PATH] [--show 10]

(a) Simulated #myNYPD-style hijacks (`backfire.simulate.generate`, which knows each post's true stance):
    each stream is written as an archive, ingested into a temporary SQLite store, analysed with the
    default classifier and detector (the library functions `backfire analyze` uses) and the queue
    refreshed (`backfire curate refresh`); then the truly hostile and truly sarcastic posts among the
    queue's first 100 are counted (goal 0 hostile, at most 1).
(b) A real labelled set used as a campaign (`../shared/data/brand/apple.csv`: tag AAPL, owner Apple), written
    as a CSV of text,id,created_at,author, ingested, analysed and refreshed the same way: the share of
    queued posts labelled positive (goal >= 95%) and how many were queued.

`--show N` prints the unsafe posts that got into the queue with their verdict fields, and the reasons
the excluded posts of the same truth were left out (what to look at when a goal fails).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from backfire import settings  # noqa: E402
from backfire.curate import Rules, refresh, select  # noqa: E402
from backfire.explain.analysis import load_pairs  # noqa: E402
from backfire.ingest import ingest  # noqa: E402
from backfire.model import Campaign  # noqa: E402
from backfire.pipeline import analyze_campaign  # noqa: E402
from backfire.simulate import Simulation, generate  # noqa: E402
from backfire.sources import write_posts  # noqa: E402
from backfire.store import Store, open_store  # noqa: E402
from backfire.understand import get_classifier  # noqa: E402
from backfire.understand.base import Classifier  # noqa: E402
from backfire.warn import configured_detector  # noqa: E402

APPLE = HERE.parent.parent / "shared" / "data" / "brand" / "apple.csv"
FIRST = 100


def analyse_and_queue(store: Store, campaign: Campaign, classifier: Classifier, rules: Rules) -> None:
    """What `backfire analyze` then `backfire curate refresh` do on a stored campaign."""
    detector = configured_detector(settings.DETECTOR.resolve(None), campaign,
                                   false_alarms_per_day=float(settings.FALSE_ALARMS.resolve(None)),
                                   design_effect=float(settings.DESIGN_EFFECT.resolve(None)))
    analyze_campaign(store, campaign, classifier, detector)
    refresh(store, campaign, rules)


def queue_with_truth(store: Store, campaign: Campaign, truth: Callable[[str], Any], rules: Rules,
                     unsafe: Callable[[Any], bool], show: int) -> list[Any]:
    """The truths of the queue's first 100 posts (safest first); prints up to `show` unsafe ones with their
    verdict fields, and why the other posts of the same truth were excluded."""
    items = store.curation_items(campaign.name, limit=FIRST)
    verdicts = store.verdicts(campaign.name)
    out = []
    shown = 0
    for item in items:
        post = store.get_post(item.key)
        assert post is not None
        t = truth(post.id)
        out.append(t)
        if unsafe(t) and shown < show:
            shown += 1
            v = verdicts.get(item.key)
            fields = v.contract_fields() if v is not None else {}
            fields.update(p_support=round(v.p_support, 4) if v else None)
            print(f"    QUEUED {t}: {post.text[:110]!r}\n      verdict {fields}")
    if show and shown:
        chosen = select(load_pairs(store, campaign), campaign, rules,
                        {lb.post_key: lb.stance for lb in store.labels(campaign.name)})
        reasons = Counter(reason.split(" ")[0] + " " + reason.split(" ")[1] if reason.startswith("p_") else reason
                          for key, reason in chosen.excluded.items()
                          if (p := store.get_post(key)) is not None and unsafe(truth(p.id)))
        print(f"    exclusion reasons of the other unsafe posts: {dict(reasons.most_common(8))}")
    return out


def simulated(streams: int, hours: float, texts: str | None, classifier: Classifier, rules: Rules,
              show: int) -> tuple[int, int, int]:
    """(hostile, sarcastic, queued) summed over the streams' first-100 queues; prints each stream."""
    hostile = sarcastic = queued = 0
    scenarios = ("mynypd", "copycat", "slow-burn")
    for i in range(streams):
        scenario, seed = scenarios[i % len(scenarios)], 100 + i
        sim = _simulate(scenario, seed, hours, texts)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "stream.jsonl"
            write_posts(sim.posts, path, "twitter-v2")
            store = open_store(Path(tmp) / "store.db")
            try:
                ingest(store, [path], sim.campaign)
                campaign = store.campaign(sim.campaign.name)
                assert campaign is not None
                analyse_and_queue(store, campaign, classifier, rules)
                truths = queue_with_truth(store, campaign, lambda pid, s=sim: s.labels.get(pid), rules,
                                          lambda t: t is not None and (t.stance == "hostile" or t.sarcastic), show)
                total = sum(store.curation_counts(campaign.name).values())
            finally:
                store.close()
        h = sum(1 for t in truths if t is not None and t.stance == "hostile")
        s = sum(1 for t in truths if t is not None and t.sarcastic)
        stances = Counter(t.stance if t is not None else "?" for t in truths)
        print(f"  {scenario} seed {seed}: {len(sim.posts):,} posts, {total:,} queued; first {len(truths)}: "
              f"{h} hostile, {s} sarcastic, true stances {dict(stances)}")
        hostile, sarcastic, queued = hostile + h, sarcastic + s, queued + len(truths)
    return hostile, sarcastic, queued


def _simulate(scenario: str, seed: int, hours: float, texts: str | None) -> Simulation:
    if texts is None:
        return generate(scenario, seed, hours=hours)
    from detect_run import simulate

    return simulate(scenario, seed, hours, texts)


def apple_csv(source: Path, out: Path) -> dict[str, str]:
    """`source` (created_at,text,label,...) written as a CSV of text,id,created_at,author; the labels by id.
    Authors are unknown in the set: each row gets its own."""
    labels: dict[str, str] = {}
    with source.open(encoding="utf-8", newline="") as f, out.open("w", encoding="utf-8", newline="") as g:
        w = csv.writer(g)
        w.writerow(["text", "id", "created_at", "author"])
        for i, row in enumerate(csv.DictReader(f), 1):
            at = datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
            w.writerow([row["text"], str(i), at.isoformat(), f"reader{i}"])
            labels[str(i)] = row["label"]
    return labels


def apple(path: Path, classifier: Classifier, rules: Rules, show: int) -> tuple[float, int, Counter[str]]:
    """(positive share of the queue, queued, labels of the queue)."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "apple.csv"
        labels = apple_csv(path, rows)
        store = open_store(Path(tmp) / "store.db")
        try:
            ingest(store, [rows], Campaign.for_tag("AAPL", owner="Apple"), fmt="csv")
            campaign = store.campaign("AAPL") or store.campaigns()[0]
            analyse_and_queue(store, campaign, classifier, rules)
            queue_with_truth(store, campaign, labels.get, rules, lambda t: t != "positive", show)
            items = store.curation_items(campaign.name)
            got = Counter(labels.get(p.id, "?") for i in items if (p := store.get_post(i.key)) is not None)
        finally:
            store.close()
    n = sum(got.values())
    return (got["positive"] / n if n else 0.0), n, got


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--streams", type=int, default=4)
    ap.add_argument("--hours", type=float, default=6.0)
    ap.add_argument("--texts", default=None, help="real: the simulated streams carry real labelled posts")
    ap.add_argument("--apple", type=Path, default=APPLE)
    ap.add_argument("--show", type=int, default=0, help="print up to N unsafe queued posts per campaign")
    ap.add_argument("--skip", choices=("sim", "apple"), default=None)
    args = ap.parse_args(argv)
    classifier = get_classifier(settings.MODEL.resolve(None))
    rules = Rules(max_hostile=float(settings.CURATE_MAX_HOSTILE.resolve(None)))
    print(f"classifier {classifier.name}; rules {rules}")
    ok = True
    if args.skip != "sim":
        print(f"(a) simulated hijacks, {args.streams} streams of {args.hours:g} h, texts "
              f"{args.texts or 'simulator'}:")
        h, s, n = simulated(args.streams, args.hours, args.texts, classifier, rules, args.show)
        worst = h  # summed; per stream goal is 0, at most 1
        print(f"  truly hostile among the queues' first {FIRST}: {h} of {n} (goal 0, at most 1 per queue); "
              f"truly sarcastic: {s}")
        ok &= worst <= 1
    if args.skip != "apple":
        if not args.apple.exists():
            print(f"(b) {args.apple} not found; skipped")
        else:
            share, n, got = apple(args.apple, classifier, rules, args.show)
            print(f"(b) {args.apple.name} as campaign AAPL: {n} queued, labels {dict(got)}, "
                  f"positive share {share:.1%} (goal >= 95%)")
            ok &= share >= 0.95
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

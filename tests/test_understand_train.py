"""`train` on a tiny labelled folder written here: it runs end to end and is deterministic for a seed."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from backfire.training import data
from backfire.training.train import train
from backfire.understand import features
from backfire.understand.heads import load_heads

GOOD = ["love it", "great day", "so happy", "wonderful people", "best thing ever", "thank you all", "amazing"]
BAD = ["hate it", "awful day", "so sad", "terrible people", "worst thing ever", "shame on you", "disgusting"]
FLAT = ["it is tuesday", "the bus comes at nine", "meeting at noon", "rain later", "new episode", "see the map"]


def rows(labels: dict[str, list[str]], n: int) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        for label, words in labels.items():
            out.append((f"{words[i % len(words)]} {i} #{label[:3]}", label))
    return out


def write_csv(path: Path, header: list[str], body: list[tuple[str, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(body)


def tiny_data(root: Path) -> Path:
    te = root / "tweeteval"
    for part, n in (("train", 16), ("val", 6)):
        write_csv(te / f"sentiment_{part}.csv", ["text", "label"],
                  rows({"positive": GOOD, "negative": BAD, "neutral": FLAT}, n))
        write_csv(te / f"irony_{part}.csv", ["text", "label"], rows({"irony": GOOD, "non_irony": FLAT}, n))
        write_csv(te / f"offensive_{part}.csv", ["text", "label"],
                  rows({"offensive": BAD, "not_offensive": FLAT}, n))
        for target in data.STANCE_TARGETS:
            body = [(target, t, lab) for t, lab in rows({"favor": GOOD, "against": BAD, "none": FLAT}, n)]
            write_csv(te / f"stance_{target}_{part}.csv", ["target", "text", "label"], body)
    sarc = [(t, "1" if lab == "s" else "0", "plainly bad" if lab == "s" else "")
            for t, lab in rows({"s": GOOD, "n": FLAT}, 20)]
    write_csv(root / "isarcasmeval" / "train.csv", ["text", "sarcastic", "rephrase"], sarc)
    fig = root / "figlang_sarcasm" / "train.jsonl"
    fig.parent.mkdir(parents=True)
    fig.write_text("".join(json.dumps({"label": "SARCASM" if lab == "s" else "NOT_SARCASM", "response": t,
                                       "context": ["x"]}) + "\n" for t, lab in rows({"s": GOOD, "n": FLAT}, 20)))
    brand = [("Mon Dec 01 19:30:03 +0000 2014", t, lab, "1")
             for t, lab in rows({"negative": BAD, "neutral": FLAT, "positive": GOOD}, 20)]
    write_csv(root / "brand" / "apple.csv", ["created_at", "text", "label", "confidence"], brand)
    for part, n in (("train", 30), ("val", 8)):
        topic = [(f"target{i % 3}", t, lab, {"negative": "-1", "neutral": "0", "positive": "1"}[lab])
                 for i, (t, lab) in enumerate(rows({"negative": BAD, "neutral": FLAT, "positive": GOOD}, n))]
        write_csv(root / "topic_sentiment" / f"{part}.csv", ["target", "text", "label", "score"], topic)
    return root


@pytest.mark.timeout(300)
def test_train_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "HASH_BITS", 10)  # small n-gram space: same code, quick fits
    root = tiny_data(tmp_path / "data")
    assert data.available(root)
    first = train(root, tmp_path / "a", seed=3)
    second = train(root, tmp_path / "b", seed=3)
    assert first == second
    digest = [hashlib.sha256((tmp_path / d / "default.npz").read_bytes()).hexdigest() for d in ("a", "b")]
    assert digest[0] == digest[1]
    heads, extra = load_heads(tmp_path / "a" / "default.npz")
    assert {"sentiment", "sarcasm", "offensive", "brand", "irony"} <= set(heads) and "idf" in extra
    assert first["sentiment_macro_recall"] > 0.5
    meta = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert meta["seed"] == 3 and meta["val"] == first


def test_stance_figure_pools_targets_as_tweeteval_scores_it() -> None:
    """TweetEval's evaluation script pools the five targets' predictions before taking the favor and
    against F1; the mean of per-target figures is reported beside it. A target with a tiny class
    (climate has 2 `against` posts in val) drags the per-target mean down, not the pooled figure."""
    from backfire.training.metrics import stance_scores

    big_y = np.array([1] * 40 + [2] * 40 + [0] * 20)
    big_p = big_y.copy()
    small_y = np.array([1, 1] + [2] * 20)
    small_p = np.array([0, 0] + [2] * 20)  # both rare `against` posts missed
    pooled, per_target = stance_scores([big_y, small_y], [big_p, small_p])
    assert per_target == pytest.approx((1.0 + 0.5) / 2)
    assert pooled == pytest.approx((80 / 82 + 1.0) / 2)  # against: 40 found, 2 missed; favor: all found


def test_chatter_gives_the_brand_head_neutral_and_positive_posts_the_sentiment_head_kept_out() -> None:
    from backfire.training.train import chatter

    labels = np.array([0, 1, 2] * 20)
    split = data.Split([f"post {i}" for i in range(60)], labels, ("negative", "neutral", "positive"))
    rows = np.arange(30)  # the rows the sentiment head kept out of its fit
    picked = chatter(split, rows, seed=3, per_class=4)
    assert sorted(picked.labels.tolist()) == [1] * 4 + [2] * 4  # no negative post: not aimed at anyone
    assert all(int(t.split()[1]) < 30 for t in picked.texts)
    assert picked.texts == chatter(split, rows, seed=3, per_class=4).texts
    assert picked.texts != chatter(split, rows, seed=4, per_class=4).texts
    with pytest.raises(ValueError, match="sentiment classes"):
        chatter(data.Split(["a"], np.array([0]), ("no", "yes")), np.arange(1), seed=3)


def test_brand_head_learns_apple_topic_posts_and_chatter_and_calibrates_on_rows_the_tuner_never_saw(
    tmp_path: Path,
) -> None:
    from backfire.training.train import APPLE_WEIGHT, CHATTER_WEIGHT, _brand_set, load_corpus

    corpus = load_corpus(tiny_data(tmp_path / "data"), seed=3)
    apple, topic = corpus.train["brand"], corpus.train["topic"]
    seen = set(apple.texts[:10])
    b = _brand_set(corpus, 3, seen)
    n, m = len(apple), len(apple) + len(topic)
    assert b.split.texts[:n] == apple.texts and b.split.texts[n:m] == topic.texts and len(b.split) > m
    assert set(b.weights[:n]) == {APPLE_WEIGHT} and set(b.weights[n:m]) == {1.0}
    assert set(b.weights[m:]) == {CHATTER_WEIGHT}
    assert not b.calibrate[:10].any() and b.calibrate[10:n].all() and not b.calibrate[m:].any()
    assert 0 < b.calibrate[n:m].sum() < len(topic)  # a seeded part of the topic posts
    assert {b.split.classes[y] for y in b.split.labels[m:]} == {"neutral", "positive"}
    assert set(b.sources.tolist()) == {"apple", "topic", "chatter"}


def test_the_hostile_threshold_counts_each_source_once() -> None:
    from backfire.training.train import hostile_threshold

    # Source a: small, hostile posts at 0.2-0.3. Source b: hostile at 0.8, most others at 0.6.
    a_p, a_y = np.array([0.2, 0.3, 0.05, 0.05, 0.05]), np.array([1, 1, 0, 0, 0])
    b_p, b_y = np.array([0.8, 0.8, 0.6, 0.6, 0.6, 0.05]), np.array([1, 1, 0, 0, 0, 0])
    src = np.array(["a"] * 5 + ["b"] * 6)
    t = hostile_threshold(np.concatenate([a_p, b_p]), np.concatenate([a_y, b_y]), src)
    many = hostile_threshold(np.concatenate([a_p, np.tile(b_p, 20)]), np.concatenate([a_y, np.tile(b_y, 20)]),
                             np.array(["a"] * 5 + ["b"] * 120))
    assert t == many  # twenty times the rows of b do not outvote a
    assert 0.05 < hostile_threshold(a_p, a_y, src[:5]) <= 0.2  # one separable source: a cut in its gap

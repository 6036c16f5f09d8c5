"""Readers for the labelled sets in `../shared/data` and the seeded hold-out splits training and the
benchmark share (sets without a validation split lose a fixed, seeded part of their train file to
validation, and training never sees that part)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backfire.understand.heads import SEED

STANCE_TARGETS = ("abortion", "atheism", "climate", "feminist", "hillary")
HOLDOUT_FRACTION = 0.2


@dataclass
class Split:
    """Texts with integer labels; `classes` names the labels."""

    texts: list[str]
    labels: np.ndarray
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, idx: np.ndarray) -> Split:
        return Split([self.texts[i] for i in idx], self.labels[idx], self.classes)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _to_split(rows: list[dict[str, str]], classes: tuple[str, ...], text: str = "text", label: str = "label") -> Split:
    index = {c: i for i, c in enumerate(classes)}
    keep = [r for r in rows if r.get(label) in index and r.get(text)]
    return Split([r[text] for r in keep], np.array([index[r[label]] for r in keep], dtype=np.int64), classes)


def holdout_mask(n: int, seed: int, fraction: float = HOLDOUT_FRACTION) -> np.ndarray:
    """A boolean mask marking the seeded validation part of a set of `n` rows."""
    order = np.random.default_rng(seed).permutation(n)
    mask = np.zeros(n, dtype=bool)
    mask[order[: round(n * fraction)]] = True
    return mask


def tweeteval(root: Path, task: str, part: str) -> Split:
    """TweetEval's sentiment / irony / offensive `train` or `val` split."""
    classes = {
        "sentiment": ("negative", "neutral", "positive"),
        "irony": ("non_irony", "irony"),
        "offensive": ("not_offensive", "offensive"),
    }[task]
    return _to_split(_read_csv(root / "tweeteval" / f"{task}_{part}.csv"), classes)


def stance(root: Path, target: str, part: str) -> Split:
    """TweetEval stance toward `target` (none / against / favor)."""
    return _to_split(_read_csv(root / "tweeteval" / f"stance_{target}_{part}.csv"), ("none", "against", "favor"))


@dataclass
class Sarcasm:
    """iSarcasmEval rows: texts, 0/1 labels and the author's plain rephrases of the sarcastic ones."""

    split: Split
    rephrases: list[str]


def isarcasm(root: Path, part: str, seed: int) -> Sarcasm:
    """iSarcasmEval's `train` part or its seeded `val` hold-out (with the rephrases of that part)."""
    rows = [r for r in _read_csv(root / "isarcasmeval" / "train.csv") if r.get("sarcastic") in ("0", "1")]
    mask = holdout_mask(len(rows), seed)
    rows = [r for r, m in zip(rows, mask, strict=True) if m == (part == "val")]
    split = Split([r["text"] for r in rows], np.array([int(r["sarcastic"]) for r in rows]), ("no", "sarcastic"))
    rephrases = [r["rephrase"] for r in rows if r["sarcastic"] == "1" and (r.get("rephrase") or "").strip()]
    return Sarcasm(split, rephrases)


def figlang(root: Path, part: str, seed: int) -> Split:
    """FigLang 2020 Twitter replies (context not used) in the `train` part or the seeded `val` hold-out."""
    with (root / "figlang_sarcasm" / "train.jsonl").open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    mask = holdout_mask(len(rows), seed + 1)
    rows = [r for r, m in zip(rows, mask, strict=True) if m == (part == "val")]
    labels = np.array([int(r["label"] == "SARCASM") for r in rows])
    return Split([r["response"] for r in rows], labels, ("no", "sarcastic"))


def brand(root: Path, part: str, seed: int) -> Split:
    """Apple tweets labelled negative / neutral / positive toward the company, seeded hold-out."""
    rows = _read_csv(root / "brand" / "apple.csv")
    split = _to_split(rows, ("negative", "neutral", "positive"))
    mask = holdout_mask(len(split), seed + 2)
    return split.subset(np.flatnonzero(mask == (part == "val")))


def available(root: Path) -> bool:
    """True when `root` looks like the shared data folder."""
    return (root / "tweeteval" / "sentiment_train.csv").is_file()


def topic_sentiment(root: Path, part: str) -> Split:
    """SemEval-2015/2016 topic-based sentiment (`train` or `val`): sentiment toward a named target
    (negative / neutral / positive; the target column is not read)."""
    return _to_split(_read_csv(root / "topic_sentiment" / f"{part}.csv"), ("negative", "neutral", "positive"))


def has_topic_sentiment(root: Path) -> bool:
    """True when `root` holds the topic-directed sentiment set (older copies of the data do not)."""
    return (root / "topic_sentiment" / "train.csv").is_file() and (root / "topic_sentiment" / "val.csv").is_file()


__all__ = ["SEED", "STANCE_TARGETS", "Sarcasm", "Split", "available", "brand", "figlang",
           "has_topic_sentiment", "holdout_mask", "isarcasm", "stance", "topic_sentiment", "tweeteval"]

"""Rebuild the default model's weights from `../shared/data`, deterministically for a seed.

Steps: read every set and its seeded hold-outs (`data`), learn the IDF vector on the training texts,
featurise each distinct text once (`features`), fit and calibrate each head (`fit`), score the
validation splits (`evaluate`), and write `weights/default.npz` with `weights/metrics.json`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from backfire.understand import data
from backfire.understand.features import FeatureExtractor, SparseEncoder, StaticEncoder
from backfire.understand.fit import fit_head
from backfire.understand.heads import LinearHead, save_heads

Progress = Callable[[str, int, int], None]
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MODEL_VERSION = "minilm-wl-tfidf-1"


def _quiet(step: str, done: int, total: int) -> None:
    return None


@dataclass
class Corpus:
    """Every labelled split training and evaluation read, by task name."""

    train: dict[str, data.Split]
    val: dict[str, data.Split]
    rephrases: list[str]


def load_corpus(root: Path, seed: int) -> Corpus:
    """Read the shared data into train and validation splits (hold-outs are seeded)."""
    train: dict[str, data.Split] = {}
    val: dict[str, data.Split] = {}
    for task in ("sentiment", "irony", "offensive"):
        train[task], val[task] = data.tweeteval(root, task, "train"), data.tweeteval(root, task, "val")
    for target in data.STANCE_TARGETS:
        train[f"stance_{target}"] = data.stance(root, target, "train")
        val[f"stance_{target}"] = data.stance(root, target, "val")
    isarc_train, isarc_val = data.isarcasm(root, "train", seed), data.isarcasm(root, "val", seed)
    train["isarcasm"], val["isarcasm"] = isarc_train.split, isarc_val.split
    train["figlang"], val["figlang"] = data.figlang(root, "train", seed), data.figlang(root, "val", seed)
    train["brand"], val["brand"] = data.brand(root, "train", seed), data.brand(root, "val", seed)
    return Corpus(train, val, isarc_train.rephrases)


class FeatureTable:
    """Features of every distinct text, computed once and looked up by text."""

    def __init__(self, extractor: FeatureExtractor, texts: list[str], progress: Progress, chunk: int = 2048) -> None:
        unique = list(dict.fromkeys(texts))
        self.row = {t: i for i, t in enumerate(unique)}
        dense, sparse = [], []
        for start in range(0, len(unique), chunk):
            d, s = extractor.transform(unique[start : start + chunk])
            dense.append(d)
            sparse.append(s)
            progress("featurise", min(start + chunk, len(unique)), len(unique))
        self.dense = np.vstack(dense)
        self.sparse = sp.vstack(sparse, format="csr")

    def get(self, texts: list[str]) -> tuple[np.ndarray, sp.csr_matrix]:
        idx = np.array([self.row[t] for t in texts], dtype=np.int64)
        return self.dense[idx], self.sparse[idx]


def _sarcasm_set(corpus: Corpus, rephrases: bool = False) -> tuple[list[str], np.ndarray]:
    """The union sarcasm set: TweetEval irony, iSarcasmEval and FigLang replies.

    The authors' plain rephrases of iSarcasmEval posts, added as non-sarcastic examples, lowered
    validation F1 (irony 0.648 -> 0.616, iSarcasm 0.418 -> 0.397), so they are off by default.
    """
    parts = [corpus.train["irony"], corpus.train["isarcasm"], corpus.train["figlang"]]
    extra = corpus.rephrases if rephrases else []
    texts = [t for p in parts for t in p.texts] + extra
    labels = np.concatenate([p.labels for p in parts] + [np.zeros(len(extra), dtype=np.int64)])
    return texts, labels


def base_inputs(heads: dict[str, LinearHead], dense: np.ndarray, sparse: sp.csr_matrix) -> np.ndarray:
    """The generic heads' probabilities that the brand head stacks on (sentiment, sarcasm, offensive)."""
    sent = heads["sentiment"].proba(dense, sparse)
    sarc = heads["sarcasm"].proba(dense, sparse)[:, 1:]
    off = heads["offensive"].proba(dense, sparse)[:, 1:]
    return np.hstack([sent, sarc, off]).astype(np.float32)


def fit_all(corpus: Corpus, table: FeatureTable, seed: int, progress: Progress) -> dict[str, LinearHead]:
    """Fit every head; the brand head last, since it stacks on the generic ones."""
    heads: dict[str, LinearHead] = {}
    jobs: list[tuple[str, list[str], np.ndarray, tuple[str, ...], float]] = [
        ("sentiment", corpus.train["sentiment"].texts, corpus.train["sentiment"].labels,
         corpus.train["sentiment"].classes, 1.0),
        ("offensive", corpus.train["offensive"].texts, corpus.train["offensive"].labels,
         corpus.train["offensive"].classes, 1.0),
        ("irony", corpus.train["irony"].texts, corpus.train["irony"].labels, corpus.train["irony"].classes, 1.0),
        ("sarcasm", *_sarcasm_set(corpus), ("no", "sarcastic"), 1.0),
    ]
    for target in data.STANCE_TARGETS:
        s = corpus.train[f"stance_{target}"]
        jobs.append((f"stance_{target}", s.texts, s.labels, s.classes, 1.0))
    total = len(jobs) + 1
    for i, (name, texts, labels, classes, c) in enumerate(jobs):
        dense, sparse = table.get(texts)
        heads[name] = fit_head(name, classes, dense, sparse, labels, c=c, seed=seed)
        progress("fit", i + 1, total)
    b = corpus.train["brand"]
    dense, sparse = table.get(b.texts)
    stacked = np.hstack([dense, base_inputs(heads, dense, sparse)])
    heads["brand"] = fit_head("brand", b.classes, stacked, sparse, b.labels, c=0.5, seed=seed)
    progress("fit", total, total)
    return heads


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(
    root: Path,
    out: Path = WEIGHTS_DIR,
    seed: int = 13,
    progress: Progress = _quiet,
    extractor: FeatureExtractor | None = None,
    threads: int = 2,
) -> dict[str, float]:
    """Rebuild the weights from the shared data at `root` into `out`; return the validation figures.

    `threads` encoder workers run batches side by side; the weights do not depend on it.
    """
    from backfire.understand.embed import MiniLMEncoder
    from backfire.understand.evaluate import evaluate_heads

    seed_everything(seed)
    corpus = load_corpus(root, seed)
    sparse_enc = SparseEncoder()
    train_texts = [t for s in corpus.train.values() for t in s.texts]
    from backfire.understand.cues import clean_text

    sparse_enc.fit_idf([clean_text(t) for t in dict.fromkeys(train_texts)])
    assert sparse_enc.idf is not None
    sparse_enc.idf = sparse_enc.idf.astype(np.float16).astype(np.float32)  # what ships
    extractor = extractor or FeatureExtractor(MiniLMEncoder(threads=threads), StaticEncoder(), sparse_enc)
    extractor.sparse = sparse_enc
    all_texts = train_texts + [t for s in corpus.val.values() for t in s.texts]
    table = FeatureTable(extractor, all_texts, progress)
    heads = fit_all(corpus, table, seed, progress)
    figures = evaluate_heads(heads, corpus.val, table.get)
    assert sparse_enc.idf is not None
    save_heads(out / "default.npz", heads, {"idf": sparse_enc.idf.astype(np.float16)})
    meta = {"version": MODEL_VERSION, "seed": seed, "val": figures,
            "thresholds": {n: h.threshold for n, h in heads.items() if h.binary}}
    (out / "metrics.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return figures

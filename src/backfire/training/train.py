"""Rebuild the default model's weights from `../shared/data`, deterministically for a seed.

Steps: read every set and its seeded hold-outs (`data`), fine-tune the encoder's low-rank adapter on
the training splits (`tune`), learn the IDF vector on the training texts, featurise each distinct text
once with the tuned encoder (`features`), fit and calibrate each head (`fit`), score the validation
splits (`evaluate`), and write `weights/default.npz` (heads, IDF and adapter) with `weights/metrics.json`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from backfire.training import data
from backfire.training.fit import fit_head, kept_out
from backfire.training.metrics import macro_f1
from backfire.training.tune import Task, TuneConfig
from backfire.understand.features import FeatureExtractor, SparseEncoder, StaticEncoder
from backfire.understand.heads import WEIGHTS_DIR, LinearHead, base_inputs, save_heads

Progress = Callable[[str, int, int], None]
MODEL_VERSION = "minilm-lora-wl-tfidf-4"
CALIBRATION_FRACTION = 0.25
CHATTER_PER_CLASS = 1500  # neutral and positive posts about anything but a company, for the brand head
CHATTER_WEIGHT = 0.5  # each counts half an Apple tweet
# The brand head learns hostility toward a target from two sources: Apple tweets (complaints addressed
# to a company) and topic-directed posts (353 targets). Each Apple tweet counts `APPLE_WEIGHT` times so
# that the 3,000 Apple tweets weigh about as much as the 30,000 topic posts; a seeded `TOPIC_CALIBRATION`
# part of the topic posts is kept out of the fit to calibrate the head and choose its threshold.
APPLE_WEIGHT = 6.0
TOPIC_CALIBRATION = 0.25


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
    if data.has_topic_sentiment(root):
        train["topic"] = data.topic_sentiment(root, "train")
        val["topic"] = data.topic_sentiment(root, "val")
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


def chatter(sentiment: data.Split, rows: np.ndarray, seed: int, per_class: int = CHATTER_PER_CLASS) -> data.Split:
    """Posts about anything but a company, as the brand head's neutral and positive examples: a seeded
    sample of the sentiment set's neutral and positive posts among `rows` (the ones the sentiment head
    kept out of its fit, so that its stacked probabilities on them are honest).

    Trained on Apple tweets alone, the brand head had never seen the everyday chatter a campaign's tag
    collects, and read 9.7% of real neutral posts as hostile. Its negative examples stay Apple's: a
    sentiment set's negative post is not aimed at a company, nor clearly aimed away from one.
    """
    if sentiment.classes != ("negative", "neutral", "positive"):
        raise ValueError(f"chatter needs sentiment classes negative/neutral/positive, not {sentiment.classes}")
    rng = np.random.default_rng(seed + 3)
    picks = [rng.permutation(rows[sentiment.labels[rows] == k])[:per_class] for k in (1, 2)]
    return sentiment.subset(np.sort(np.concatenate(picks)))


@dataclass
class BrandSet:
    """The brand head's training rows, their weights, the rows kept out of its fit for calibration and
    threshold, and which source each row comes from (`BRAND_SOURCES`; chatter is "chatter")."""

    split: data.Split
    weights: np.ndarray
    calibrate: np.ndarray
    sources: np.ndarray


def _brand_set(corpus: Corpus, seed: int, seen: set[str] | None) -> BrandSet:
    """Apple tweets, topic-directed posts (when the data has them) and chatter, weighted (see
    `APPLE_WEIGHT`). Calibration rows: the Apple tweets the tuner never saw and a seeded part of the
    topic posts (the tuner never sees those)."""
    apple, sentiment = corpus.train["brand"], corpus.train["sentiment"]
    rows = kept_out(len(sentiment), seed, _unseen(sentiment.texts, seen))
    extra = chatter(sentiment, rows if len(rows) else np.arange(len(sentiment)), seed)
    topic = corpus.train.get("topic", data.Split([], np.zeros(0, dtype=np.int64), apple.classes))
    parts = [(apple, APPLE_WEIGHT if len(topic) else 1.0, "apple"), (topic, 1.0, "topic"),
             (extra, CHATTER_WEIGHT, "chatter")]
    fresh = _unseen(apple.texts, seen)
    calibrate = [data.holdout_mask(len(apple), seed + 5, TOPIC_CALIBRATION) if fresh is None else fresh,
                 data.holdout_mask(len(topic), seed + 4, TOPIC_CALIBRATION), np.zeros(len(extra), dtype=bool)]
    return BrandSet(
        data.Split([t for s, _, _ in parts for t in s.texts], np.concatenate([s.labels for s, _, _ in parts]),
                   apple.classes),
        np.concatenate([np.full(len(s), w) for s, w, _ in parts]),
        np.concatenate(calibrate),
        np.concatenate([np.full(len(s), name) for s, _, name in parts]),
    )


def hostile_threshold(p_hostile: np.ndarray, hostile: np.ndarray, sources: np.ndarray) -> float:
    """The `p_hostile` threshold at which hostile-vs-not macro-F1, averaged over the sources (each
    source counts once, whatever its size and share of hostile posts), peaks."""
    grid = np.linspace(0.05, 0.95, 91)
    names = [s for s in dict.fromkeys(sources.tolist()) if hostile[sources == s].any()]
    scores = [np.mean([macro_f1(hostile[sources == s], (p_hostile[sources == s] >= t).astype(int))
                       for s in names]) for t in grid]
    return float(grid[int(np.argmax(scores))])


def _unseen(texts: list[str], seen: set[str] | None) -> np.ndarray | None:
    """Which of `texts` a fine-tuned encoder never saw the labels of (None: it saw none of them)."""
    return None if seen is None else np.array([t not in seen for t in texts], dtype=bool)


def fit_all(corpus: Corpus, table: FeatureTable, seed: int, progress: Progress,
            seen: set[str] | None = None) -> dict[str, LinearHead]:
    """Fit every head; the brand head last, since it stacks on the generic ones. `seen`: the texts
    whose labels a fine-tuned encoder saw (the heads calibrate on the others)."""
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
        heads[name] = fit_head(name, classes, dense, sparse, labels, c=c, seed=seed, calibrate_on=_unseen(texts, seen))
        progress("fit", i + 1, total)
    b = _brand_set(corpus, seed, seen)
    dense, sparse = table.get(b.split.texts)
    stacked = np.hstack([dense, base_inputs(heads, dense, sparse)])
    hostile = (b.split.labels == 0).astype(int)

    def threshold(probs: np.ndarray, rows: np.ndarray) -> float:
        return hostile_threshold(probs[:, 0], hostile[rows], b.sources[rows])

    heads["brand"] = fit_head("brand", b.split.classes, stacked, sparse, b.split.labels, c=0.5, seed=seed,
                              weights=b.weights, calibrate_on=b.calibrate, refit=True, threshold=threshold)
    progress("fit", total, total)
    return heads


def tuning_splits(corpus: Corpus, seed: int) -> dict[str, tuple[list[str], np.ndarray, int]]:
    """What the tuner trains on, by task: (texts, labels, number of classes) of sentiment, offensive, each
    stance target, brand hostility and the union sarcasm set, without a seeded `CALIBRATION_FRACTION` of
    each split (the heads calibrate on that part); validation splits are never in it."""
    splits = {name: corpus.train[name] for name in ("sentiment", "offensive")}
    splits |= {f"stance_{t}": corpus.train[f"stance_{t}"] for t in data.STANCE_TARGETS}
    splits["brand"] = corpus.train["brand"]
    whole = {name: (s.texts, s.labels, len(s.classes)) for name, s in splits.items()}
    whole["sarcasm"] = (*_sarcasm_set(corpus), 2)
    out = {}
    for name, (texts, labels, classes) in whole.items():
        keep = np.flatnonzero(~data.holdout_mask(len(texts), seed + 10, CALIBRATION_FRACTION))
        out[name] = ([texts[i] for i in keep], np.asarray(labels, dtype=np.int64)[keep], classes)
    return out


def tuned_texts(splits: dict[str, tuple[list[str], np.ndarray, int]]) -> set[str]:
    """The texts whose labels the tuner sees."""
    return {t for texts, _, _ in splits.values() for t in texts}


def tuning_tasks(corpus: Corpus, max_len: int, seed: int) -> tuple[dict[str, Task], set[str]]:
    """`tuning_splits` as token ids for fine-tuning, and the set of texts the tuner sees."""
    from backfire.understand.cues import clean_text
    from backfire.understand.embed import load_tokenizer, minilm_folder

    tokenizer = load_tokenizer(minilm_folder(), max_len)
    splits = tuning_splits(corpus, seed)
    tasks = {name: Task([e.ids for e in tokenizer.encode_batch([clean_text(t) or " " for t in texts])], labels, k)
             for name, (texts, labels, k) in splits.items()}
    return tasks, tuned_texts(splits)


def tune_encoder(corpus: Corpus, config: TuneConfig, progress: Progress) -> tuple[dict[str, np.ndarray], set[str]]:
    """Fine-tune the encoder's adapter on the training splits; returns the adapter arrays and the texts
    whose labels it saw."""
    import torch

    from backfire.training.tune import tune
    from backfire.understand.embed import load_official

    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # one process trains: both cores on one batch
    try:
        tasks, seen = tuning_tasks(corpus, config.max_len, config.seed)
        return tune(load_official(), tasks, config, progress), seen
    finally:
        torch.set_num_threads(threads)


def reused_adapter(corpus: Corpus, path: Path, config: TuneConfig) -> tuple[dict[str, np.ndarray], set[str]]:
    """The adapter stored in the weights file at `path`, and the texts a tuning run with `config` saw."""
    from backfire.understand.adapter import adapter
    from backfire.understand.heads import load_heads

    found = adapter(load_heads(path)[1])
    if found is None:
        raise ValueError(f"{path} holds no encoder adapter to reuse")
    return found, tuned_texts(tuning_splits(corpus, config.seed))  # no tokenising: only the texts


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(
    root: Path,
    out: Path = WEIGHTS_DIR,
    seed: int = data.SEED,
    progress: Progress = _quiet,
    extractor: FeatureExtractor | None = None,
    threads: int = 2,
    tune: TuneConfig | None = TuneConfig(),
    adapter_from: Path | None = None,
) -> dict[str, float]:
    """Rebuild the weights from the shared data at `root` into `out`; return the validation figures.

    `threads` encoder workers run batches side by side; the weights do not depend on it. `tune=None`
    skips fine-tuning (heads on the official encoder). `adapter_from`: a weights file whose adapter is
    reused instead of fine-tuning again (the heads are refit on it; the texts its tuning saw are
    recomputed from `tune`'s settings). A given `extractor` is used as it is.
    """
    from backfire.training.evaluate import evaluate_heads
    from backfire.understand.embed import MiniLMEncoder

    seed_everything(seed)
    corpus = load_corpus(root, seed)
    adapter: dict[str, np.ndarray] = {}
    seen: set[str] | None = None
    if adapter_from is not None:
        adapter, seen = reused_adapter(corpus, adapter_from, replace(tune or TuneConfig(), seed=seed))
    elif tune is not None and extractor is None:
        adapter, seen = tune_encoder(corpus, replace(tune, seed=seed), progress)
    sparse_enc = SparseEncoder()
    train_texts = [t for s in corpus.train.values() for t in s.texts]
    from backfire.understand.cues import clean_text

    sparse_enc.fit_idf([clean_text(t) for t in dict.fromkeys(train_texts)])
    assert sparse_enc.idf is not None
    sparse_enc.idf = sparse_enc.idf.astype(np.float16).astype(np.float32)  # what ships
    if extractor is None:
        encoder = MiniLMEncoder(threads=threads, adapter=adapter or None)
        extractor = FeatureExtractor(encoder, StaticEncoder(), sparse_enc)
    extractor.sparse = sparse_enc
    all_texts = train_texts + [t for s in corpus.val.values() for t in s.texts]
    table = FeatureTable(extractor, all_texts, progress)
    heads = fit_all(corpus, table, seed, progress, seen)
    figures = evaluate_heads(heads, corpus.val, table.get)
    assert sparse_enc.idf is not None
    save_heads(out / "default.npz", heads, {"idf": sparse_enc.idf.astype(np.float16), **adapter})
    meta = {"version": MODEL_VERSION, "seed": seed, "val": figures, "tuned": bool(adapter),
            "thresholds": {n: h.threshold for n, h in heads.items() if h.binary}}
    (out / "metrics.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return figures

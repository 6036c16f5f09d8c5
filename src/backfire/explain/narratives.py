"""Narratives: clusters of what hostile (and, apart, supportive) posts say, each with its key terms.

A pipeline of small stages, BERTopic's idea without its monolith: group the posts by distinct text
(a repost says what its original says) -> represent the most-posted distinct texts by their TF-IDF
vector, reduced by TruncatedSVD to `SVD_DIMS`, beside the classifier's sentence embedding (cached per
text, weighted `EMBEDDING_WEIGHT`) -> cluster them (scikit-learn's k-means, the number of narratives
chosen by cosine silhouette) -> give each leftover text the narrative whose centroid its TF-IDF vector is
closest to -> label each narrative by class-based TF-IDF -> pick the 3 texts nearest its centroid as
examples -> count its posts per bin.

Why not the embeddings alone: the classifier's encoder is tuned for stance and sentiment, and on 960
real posts about 8 targets (`benchmarks/explain.py narratives`) Ward clusters of its embeddings at the
true k recovered the targets with NMI 0.11, TF-IDF + SVD with Ward 0.43, k-means on TF-IDF 1.00 (the
targets' names), and TF-IDF with the embeddings at weight 0.3, k by silhouette, 0.96 (k = 7). The
embeddings still join texts that say the same thing in other words. Reducing the TF-IDF part by SVD
first and fitting k-means on one thread gave the same clusters (NMI 0.957, k = 7) in 0.6 s instead of
3.5 s (11 s with its default threads on two busy cores), which kept a 100,000-post campaign's
explanation under 30 s.

>>> from datetime import datetime, UTC
>>> from backfire.model import Author, Post
>>> t = datetime(2014, 4, 22, 20, tzinfo=UTC)
>>> texts = ["police beat protesters again", "police beat a protester", "cops beat protesters at march",
...          "free coffee for officers", "officers buy coffee for kids", "coffee with officers today"]
>>> posts = [Post(id=str(i), platform="x", author=Author(handle=f"u{i}"), created_at=t, text=s)
...          for i, s in enumerate(texts)]
>>> groups = narratives(posts, None, min_texts=4)
>>> sorted(g["terms"][0] for g in groups)
['beat', 'coffee']
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from backfire.model import Post, normalise_text

Embed = Callable[[Sequence[str]], np.ndarray]
EMBEDDING_WEIGHT = 0.3  # the embedding's length beside a unit TF-IDF vector (see the module doc)
SVD_DIMS = 128  # TF-IDF dimensions kept for clustering
_NOISE = re.compile(r"https?://\S+|@\w+|^rt\b", re.IGNORECASE)
_TOKENS = r"(?u)#?\b[a-zA-Z][\w'-]+\b"


class Seen(NamedTuple):
    """What a narrative keeps of one post carrying a text: which post, whose, when."""

    id: str
    author: str
    at: datetime


@dataclass
class Doc:
    """One distinct text and the posts that carry it."""

    text: str
    posts: list[Seen] = field(default_factory=list)


class EmbeddingCache:
    """`embed` with each distinct text computed once per process (keyed by its exact text)."""

    def __init__(self, embed: Embed, limit: int = 200_000) -> None:
        self.embed = embed
        self.limit = limit
        self.vectors: dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        fresh = dict(zip(todo, np.asarray(self.embed(todo), dtype=np.float32), strict=True)) if todo else {}
        for text, vector in fresh.items():
            if len(self.vectors) < self.limit:
                self.vectors[text] = vector
        return np.vstack([fresh[t] if t in fresh else self.vectors[t] for t in texts])


_EMBEDDERS: dict[str, EmbeddingCache] = {}


def classifier_embedder(name: str) -> Embed | None:
    """The sentence embeddings of classifier `name`, cached per text for the process; None when it has
    none (narratives then fall back to `lsa_embedder`)."""
    if name not in _EMBEDDERS:
        if name == "default":  # loaded on first use: the encoder's memory is not held while graphs are built
            _EMBEDDERS[name] = EmbeddingCache(_default_embed)
        else:
            from backfire.understand import get_classifier

            model: Any = get_classifier(name)
            if not hasattr(model, "embed"):
                return None
            _EMBEDDERS[name] = EmbeddingCache(model.embed)
    return _EMBEDDERS[name]


def _default_embed(texts: Sequence[str]) -> np.ndarray:
    """The default classifier's embeddings: from the classifier when this process has it loaded, else from
    its encoder alone (loaded once)."""
    from backfire.understand.classifier import DefaultClassifier, default_encoder, sentence_vectors

    loaded = DefaultClassifier.loaded()
    if loaded is not None:
        return np.asarray(loaded.embed(texts))
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = default_encoder()
    return sentence_vectors(_ENCODER, texts)


_ENCODER: Any = None


def lsa_embedder(corpus: Sequence[str], dims: int = 100) -> Embed:
    """A fallback embedding with no model: TF-IDF of `corpus`, reduced by SVD, normalised."""
    from sklearn.decomposition import TruncatedSVD

    tfidf = TfidfVectorizer(token_pattern=_TOKENS, stop_words="english", sublinear_tf=True).fit(corpus)
    matrix = tfidf.transform(corpus)
    svd = TruncatedSVD(min(dims, max(1, min(matrix.shape) - 1)), random_state=0).fit(matrix)

    def embed(texts: Sequence[str]) -> np.ndarray:
        x = svd.transform(tfidf.transform(texts))
        return np.asarray(x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9))

    return embed


def distinct_docs(posts: Sequence[Post]) -> list[Doc]:
    """Posts grouped by normalised text, the most-posted text first."""
    docs: dict[str, Doc] = {}
    for post in posts:
        key = normalise_text(post.text)
        if key:
            docs.setdefault(key, Doc(post.text)).posts.append(Seen(post.id, post.author.handle, post.created_at))
    return sorted(docs.values(), key=lambda d: (-len(d.posts), d.posts[0].at))


def represent(tfidf_rows: Any, embeddings: np.ndarray, dims: int = SVD_DIMS, seed: int = 0) -> np.ndarray:
    """Dense rows to cluster: the (sparse) TF-IDF rows reduced by TruncatedSVD to at most `dims`
    dimensions, beside the (weighted) embeddings."""
    from sklearn.decomposition import TruncatedSVD

    n, width = tfidf_rows.shape
    keep = min(dims, width - 1, n - 1)
    if keep < 1:
        reduced = np.asarray(tfidf_rows.toarray() if sp.issparse(tfidf_rows) else tfidf_rows, dtype=np.float32)
    else:
        with threadpool_limits(1):
            reduced = TruncatedSVD(keep, random_state=seed).fit_transform(tfidf_rows).astype(np.float32)
    return np.hstack([reduced, np.asarray(embeddings, dtype=np.float32)])


def cluster(x: Any, max_k: int = 8, seed: int = 0) -> np.ndarray:
    """k-means clusters of the rows of `x` (dense or sparse), their number (2..max_k) chosen by cosine
    silhouette (on at most 2,000 rows). One thread: with OpenMP's default on a busy machine the fits
    were 3 to 10 times slower."""
    n = x.shape[0]
    if n < 4:
        return np.zeros(n, dtype=int)
    best, best_score = np.zeros(n, dtype=int), -1.0
    with threadpool_limits(1):
        for k in range(2, min(max_k, n - 1) + 1):
            labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x)
            if len(set(labels.tolist())) < 2:
                continue
            score = float(silhouette_score(x, labels, metric="cosine", sample_size=min(n, 2000),
                                           random_state=seed))
            if score > best_score:
                best, best_score = labels, score
    return np.asarray(best)


def key_terms(texts_by_class: list[list[str]], stop: Sequence[str] = (), top: int = 8) -> list[list[str]]:
    """Class-based TF-IDF (BERTopic's c-TF-IDF): each class's texts as one document, term frequency
    per class times log(1 + mean words per class / the term's frequency over all classes)."""
    joined = [" ".join(_NOISE.sub(" ", t) for t in texts) for texts in texts_by_class]
    own = {s.casefold().lstrip("#@") for s in stop}
    stop_words = sorted(set(ENGLISH_STOP_WORDS) | own | {f"#{s}" for s in own})
    try:
        vec = CountVectorizer(token_pattern=_TOKENS, stop_words=stop_words, lowercase=True)
        counts = vec.fit_transform(joined).toarray().astype(float)
    except ValueError:  # nothing but stop words
        return [[] for _ in texts_by_class]
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    idf = np.log(1.0 + counts.sum(axis=1).mean() / np.maximum(counts.sum(axis=0), 1.0))
    scores = tf * idf
    terms = vec.get_feature_names_out()
    return [[str(terms[j]) for j in np.argsort(-row)[:top] if row[j] > 0] for row in scores]


def narratives(posts: Sequence[Post], embed: Embed | None, *, max_texts: int = 600, min_texts: int = 8,
               stop: Sequence[str] = (), bin_minutes: int = 30, start: datetime | None = None) -> list[dict[str, Any]]:
    """The narratives of `posts` (one stance's), largest first (see the module doc)."""
    return narratives_of(distinct_docs(posts), embed, max_texts=max_texts, min_texts=min_texts, stop=stop,
                         bin_minutes=bin_minutes, start=start)


def narratives_of(docs: list[Doc], embed: Embed | None, *, max_texts: int = 600, min_texts: int = 8,
                  stop: Sequence[str] = (), bin_minutes: int = 30,
                  start: datetime | None = None) -> list[dict[str, Any]]:
    """`narratives` of posts already grouped by `distinct_docs` (which keeps only what is needed of them)."""
    if len(docs) < min_texts:
        return []
    texts = [d.text for d in docs]
    head = docs[:max_texts]
    tfidf = TfidfVectorizer(token_pattern=_TOKENS, stop_words="english", sublinear_tf=True,
                            min_df=2 if len(texts) >= 50 else 1).fit(texts)
    x = represent(tfidf.transform(texts[:len(head)]), _unit(embed, [d.text for d in head]))
    labels = list(cluster(x))
    labels += _assign_rest(tfidf, texts, len(head), labels)
    first = start or min(seen.at for d in docs for seen in d.posts)
    return _describe(docs, np.asarray(labels), x, stop, bin_minutes, first)


def _unit(embed: Embed | None, texts: list[str]) -> np.ndarray:
    """The texts' embeddings scaled to length `EMBEDDING_WEIGHT` (none without an embedder)."""
    if embed is None:
        return np.zeros((len(texts), 1), dtype=np.float32)
    x = np.asarray(embed(texts), dtype=np.float32)
    return EMBEDDING_WEIGHT * x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def _assign_rest(tfidf: TfidfVectorizer, texts: list[str], n_head: int, labels: list[int]) -> list[int]:
    """The narrative of each text beyond the embedded ones: the nearest TF-IDF centroid."""
    if len(texts) <= n_head:
        return []
    head, rest = tfidf.transform(texts[:n_head]), tfidf.transform(texts[n_head:])
    ks = sorted(set(labels))
    centroids = np.vstack([np.asarray(head[np.asarray(labels) == k].mean(axis=0)) for k in ks])
    return [ks[i] for i in np.asarray(rest @ centroids.T).argmax(axis=1)]


def _describe(docs: list[Doc], labels: np.ndarray, x: np.ndarray, stop: Sequence[str], bin_minutes: int,
              start: datetime) -> list[dict[str, Any]]:
    ks = sorted(set(labels.tolist()), key=lambda k: -sum(len(docs[i].posts) for i in np.flatnonzero(labels == k)))
    terms = key_terms([[docs[i].text for i in np.flatnonzero(labels == k)] for k in ks], stop)
    out = []
    for k, words in zip(ks, terms, strict=True):
        members = np.flatnonzero(labels == k)
        posts = [p for i in members for p in docs[i].posts]
        out.append({
            "size": len(posts), "texts": len(members), "terms": words,
            "examples": _examples(docs, members[members < x.shape[0]], x),
            "over_time": _over_time(posts, bin_minutes, start),
            "first": min(seen.at for seen in posts).isoformat().replace("+00:00", "Z"),
            "accounts": len({seen.author for seen in posts}),
        })
    return out


def _examples(docs: list[Doc], members: np.ndarray, x: np.ndarray, n: int = 3) -> list[dict[str, Any]]:
    """The `n` texts nearest the narrative's centroid."""
    if len(members) == 0:
        return []
    rows = x[members]
    centre = np.asarray(rows.mean(axis=0)).ravel()
    nearest = members[np.argsort(-(rows @ centre))[:n]]
    return [{"text": docs[i].text, "posts": len(docs[i].posts), "id": docs[i].posts[0].id,
             "author": docs[i].posts[0].author} for i in nearest]


def _over_time(posts: list[Seen], bin_minutes: int, start: datetime) -> list[int]:
    """Posts per `bin_minutes` bin from `start`."""
    bins = [int((p.at - start).total_seconds() // (bin_minutes * 60)) for p in posts]
    counts = [0] * (max(bins) + 1 if bins else 0)
    for b in bins:
        counts[max(b, 0)] += 1
    return counts


def bin_minutes_for(first: datetime | None, last: datetime | None, bins: int = 24) -> int:
    """A round bin width giving about `bins` bins over the window."""
    if first is None or last is None:
        return 30
    span = (last - first).total_seconds() / 60 / bins
    return next((m for m in (5, 10, 15, 30, 60, 120, 240, 720, 1440) if m >= span), 1440 * math.ceil(span / 1440))

"""The default offline classifier: MiniLM + WordLlama + TF-IDF + cues, trained heads, campaign-aware stance.

>>> from backfire.model import Author, Campaign, Post
>>> clf = DefaultClassifier()                                          # doctest: +SKIP
>>> post = Post(id="1", platform="csv", author=Author(handle="a"), created_at="2014-04-22T18:00:00Z",
...             text="So proud of @NYPDnews, love how gently they beat protesters #myNYPD")
>>> clf.predict_one(post, Campaign.for_tag("myNYPD", owner="NYPDnews")).stance   # doctest: +SKIP
'hostile'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from backfire.model import Campaign, Post, SentimentLabel, Verdict
from backfire.understand.adapter import adapter
from backfire.understand.backends.image import ImageScorer, image_evidence
from backfire.understand.cues import clean_text, cue_reasons
from backfire.understand.embed import MiniLMEncoder
from backfire.understand.features import FeatureExtractor, SparseEncoder, StaticEncoder
from backfire.understand.heads import WEIGHTS_DIR, LinearHead, base_inputs, load_heads, sarcasm_score
from backfire.understand.stance import Probs, decide
from backfire.understand.stream import post_text

MODEL_NAME = "backfire-default-4"
_SHARED: DefaultClassifier | None = None


class DefaultClassifier:
    """The shipped offline model. Arguments are kept as same-named attributes (see `repr`).

    weights: the `.npz` written by `backfire train` (default: the shipped one).
    max_len / precision / threads / batch_size: MiniLM speed settings (see `embed.MiniLMEncoder`; precision
    "auto" runs bfloat16 only on a CPU that computes in it natively, float32 elsewhere).
    verify: check the MiniLM files' sha256 before loading (refuses to run on a mismatch).
    image: an optional `ImageScorer` adding image evidence (off by default).
    """

    name = "default"

    def __init__(
        self,
        weights: str | Path | None = None,
        max_len: int = 64,
        precision: str = "auto",
        threads: int = 2,
        batch_size: int = 64,
        verify: bool = True,
        image: ImageScorer | None = None,
    ) -> None:
        self.weights = Path(weights) if weights is not None else WEIGHTS_DIR / "default.npz"
        self.max_len = max_len
        self.precision = precision
        self.threads = threads
        self.batch_size = batch_size
        self.verify = verify
        self.image = image
        self._load()

    @classmethod
    def shared(cls) -> DefaultClassifier:
        """One process-wide instance with the default settings (loading takes a couple of seconds)."""
        global _SHARED
        if _SHARED is None:
            _SHARED = cls()
        return _SHARED

    def _load(self) -> None:
        if not self.weights.is_file():
            raise FileNotFoundError(f"No weights at {self.weights}; run `backfire train --data DIR` to build them.")
        self._heads, extra = load_heads(self.weights)
        encoder = MiniLMEncoder(
            max_len=self.max_len, precision=self.precision, threads=self.threads,
            batch_size=self.batch_size, verify=self.verify, adapter=adapter(extra),
        )
        sparse = SparseEncoder(extra["idf"].astype(np.float32))
        self._features = FeatureExtractor(encoder, StaticEncoder(), sparse)

    def __repr__(self) -> str:
        return (
            f"DefaultClassifier(weights={self.weights.name!r}, max_len={self.max_len}, "
            f"precision={self.precision!r}, threads={self.threads}, batch_size={self.batch_size}, "
            f"verify={self.verify}, image={self.image!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the configuration only; the model is reloaded (and re-verified) on unpickling."""
        names = ("weights", "max_len", "precision", "threads", "batch_size", "verify", "image")
        return {k: getattr(self, k) for k in names}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._load()

    @classmethod
    def loaded(cls) -> DefaultClassifier | None:
        """The process-wide instance if something already loaded it (nothing is loaded here)."""
        return _SHARED

    # -- the Classifier protocol -----------------------------------------------------------------
    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        if not posts:
            return []
        texts = [post_text(p) for p in posts]
        scores = self.score_texts(texts)
        images = image_evidence(self.image, posts)
        return [
            self._verdict(p, t, scores, i, images[i], campaign)
            for i, (p, t) in enumerate(zip(posts, texts, strict=True))
        ]

    # -- steps -----------------------------------------------------------------------------------
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """MiniLM sentence embeddings (mean-pooled, normalised) of `texts`, for adaptation and narratives."""
        return sentence_vectors(self._features.encoder, texts)

    @property
    def heads(self) -> dict[str, LinearHead]:
        """The trained heads by task name (for evaluation)."""
        return self._heads

    def features(self, texts: Sequence[str]) -> tuple[np.ndarray, sp.csr_matrix]:
        """The (dense, sparse) features the heads read, for raw `texts`."""
        return self._features.transform(list(texts))

    def score_texts(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Every head's calibrated output for `texts`, as arrays keyed by name."""
        dense, sparse = self._features.transform(list(texts))
        return self._score(dense, sparse)

    def _score(self, dense: np.ndarray, sparse: sp.csr_matrix) -> dict[str, np.ndarray]:
        heads = self._heads
        sent_z = heads["sentiment"].logits(dense, sparse)
        sent = heads["sentiment"].calibrate(sent_z)
        brand = heads["brand"].proba(np.hstack([dense, base_inputs(heads, dense, sparse)]), sparse)
        return {
            "sentiment": sent,
            "sentiment_label": sent_z.argmax(axis=1),
            "sarcasm": sarcasm_score(heads, dense, sparse),
            "offensive": heads["offensive"].proba(dense, sparse)[:, 1],
            "brand": brand,
        }

    def _verdict(
        self,
        post: Post,
        text: str,
        scores: dict[str, np.ndarray],
        i: int,
        image: float | None,
        campaign: Campaign | None,
    ) -> Verdict:
        brand = scores["brand"][i]
        sarcasm = float(scores["sarcasm"][i])
        hostile = float(brand[0])
        if image is not None:
            hostile = max(hostile, image) if sarcasm >= 0.5 or image >= 0.8 else hostile
        cues = cue_reasons(text)
        sent = scores["sentiment"][i]
        probs = Probs(hostile, float(brand[1]), float(brand[2]), sarcasm, float(scores["offensive"][i]), cues,
                      positive=float(sent[2]), negative=float(sent[0]), threshold=self._heads["brand"].threshold)
        dec = decide(text, post.author.handle, probs, campaign)
        sent = scores["sentiment"][i]
        labels: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")
        label = labels[int(scores["sentiment_label"][i])]
        return Verdict(
            post_id=post.id, stance=dec.stance, p_hostile=round(dec.p_hostile, 6), p_support=round(dec.p_support, 6),
            sarcasm=round(sarcasm, 6), sentiment=round(float(np.clip(sent[2] - sent[0], -1, 1)), 6),
            sentiment_label=label, offensive=round(float(scores["offensive"][i]), 6),
            reason=_reason(dec.stance, dec.p_hostile, sarcasm, cues, dec.notes, image), model=MODEL_NAME,
        )


def _reason(
    stance: str, p_hostile: float, sarcasm: float, cues: list[str], notes: list[str], image: float | None
) -> str:
    parts = [f"{stance} (p_hostile {p_hostile:.2f})"]
    if sarcasm >= 0.5:
        parts.append(f"sarcastic ({sarcasm:.2f})")
    parts.extend(notes)
    parts.extend(cues[:3])
    if image is not None:
        parts.append(f"image hostile {image:.2f}")
    return "; ".join(dict.fromkeys(parts))


def sentence_vectors(encoder: MiniLMEncoder, texts: Sequence[str]) -> np.ndarray:
    """The classifier's sentence embeddings (`DefaultClassifier.embed`) from its encoder alone."""
    return np.ascontiguousarray(encoder.encode([clean_text(t) for t in texts])[:, :384])  # not a view on 768


def default_encoder(weights: str | Path | None = None) -> MiniLMEncoder:
    """Only the default classifier's (adapted) MiniLM encoder, without its heads and other encoders: what
    narratives need of it, for about half the memory of the whole classifier."""
    path = Path(weights) if weights is not None else WEIGHTS_DIR / "default.npz"
    _, extra = load_heads(path)
    return MiniLMEncoder(adapter=adapter(extra))

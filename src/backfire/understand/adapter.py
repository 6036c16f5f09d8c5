"""The encoder's fine-tuned low-rank adapter at run time: found in a weights file, merged into the encoder.

`backfire.training.tune` trains it (W + scale * B A on each adapted linear layer of the six blocks); here
it is only read and added into the verified official weights, so inference costs what the plain
encoder costs.
"""

from __future__ import annotations

import numpy as np
import torch

from backfire.understand.embed import LAYERS, MiniBert

#: The linear layers of a block that get an adapter (all of them).
ADAPTED = ("qkv", "out", "up", "down")


def adapter(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """The adapter arrays among a weights file's extra arrays (None for heads on the official encoder)."""
    picked = {k: v for k, v in arrays.items() if k.startswith("adapter_")}
    return picked or None


@torch.no_grad()
def merge(model: MiniBert, arrays: dict[str, np.ndarray]) -> None:
    """Add the adapter's updates into `model`'s (plain) linear weights: W <- W + scale * B A."""
    scale = float(arrays["adapter_scale"][0])
    for name in ADAPTED:
        a, b = arrays[f"adapter_{name}_a"], arrays[f"adapter_{name}_b"]
        if a.shape[0] != LAYERS or b.shape[0] != LAYERS:
            raise ValueError(f"adapter for {name!r} has {a.shape[0]} blocks, the encoder {LAYERS}")
        for i, layer in enumerate(model.layers):
            linear = getattr(layer, name)
            linear.weight += scale * torch.from_numpy(b[i].astype(np.float32) @ a[i].astype(np.float32))

"""Fine-tuning the encoder's low-rank adapter: it starts from the official model exactly, merging it gives
the same encoder as running it, training is seeded, and the shipped weights carry one."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from backfire.training.tune import ADAPTED, LowRank, Task, TuneConfig, adapter, adapter_arrays, attach, merge, tune
from backfire.understand.embed import MiniBert


def small_model(seed: int = 0) -> MiniBert:
    torch.manual_seed(seed)
    return MiniBert(vocab=200, positions=32).eval()


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.tensor([[5, 17, 42, 9, 0], [101, 7, 3, 0, 0]])
    mask = (ids > 0).long()
    return ids, mask


def tasks() -> dict[str, Task]:
    rng = np.random.default_rng(1)
    pos = [[int(x) for x in rng.integers(10, 60, 6)] for _ in range(24)]
    neg = [[int(x) for x in rng.integers(100, 150, 6)] for _ in range(24)]
    return {"toy": Task(pos + neg, np.array([1] * 24 + [0] * 24), 2),
            "three": Task(pos[:12] + neg[:12] + pos[12:], np.array([0] * 12 + [1] * 12 + [2] * 12), 3)}


def test_an_untrained_adapter_leaves_the_model_unchanged() -> None:
    model = small_model()
    before = model(*batch())
    attach(model, TuneConfig(rank=4), torch.Generator().manual_seed(0))
    assert all(isinstance(getattr(layer, name), LowRank) for layer in model.layers for name in ADAPTED)
    assert torch.allclose(model(*batch()), before)
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert sum(p.numel() for p in trainable) == 6 * sum(4 * (i + o) for i, o in
                                                        ((384, 1152), (384, 384), (384, 1536), (1536, 384)))


def test_merging_the_adapter_gives_the_encoder_that_ran_it() -> None:
    plain = small_model()
    tuned = copy.deepcopy(plain)
    config = TuneConfig(rank=4)
    attach(tuned, config, torch.Generator().manual_seed(0))
    with torch.no_grad():
        for layer in tuned.layers:
            for name in ADAPTED:
                getattr(layer, name).b.normal_(0, 0.05)
    arrays = adapter_arrays(tuned, config)
    assert adapter({"idf": np.zeros(3), **arrays}) == arrays and adapter({"idf": np.zeros(3)}) is None
    merge(plain, arrays)
    with torch.no_grad():
        assert not torch.allclose(small_model()(*batch()), tuned(*batch()), atol=1e-3)
        assert torch.allclose(plain(*batch()), tuned(*batch()), atol=1e-5)


def test_merge_refuses_an_adapter_for_another_depth() -> None:
    config = TuneConfig(rank=2)
    tuned = small_model()
    attach(tuned, config, torch.Generator().manual_seed(0))
    arrays = {k: (v[:3] if k != "adapter_scale" else v) for k, v in adapter_arrays(tuned, config).items()}
    with pytest.raises(ValueError, match="blocks"):
        merge(small_model(), arrays)


def test_tuning_learns_and_is_seeded() -> None:
    config = TuneConfig(rank=2, epochs=2, batch_size=8, lr=5e-3, seed=5)
    first = tune(small_model(), tasks(), config)
    second = tune(small_model(), tasks(), config)
    other = tune(small_model(), tasks(), TuneConfig(rank=2, epochs=2, batch_size=8, lr=5e-3, seed=6))
    assert first.keys() == second.keys()
    assert all(np.array_equal(first[k], second[k]) for k in first)
    assert not np.array_equal(first["adapter_up_b"], other["adapter_up_b"])
    assert any(np.abs(first[f"adapter_{n}_b"]).max() > 0 for n in ADAPTED)  # B moved off zero


def test_the_shipped_weights_carry_a_merged_adapter() -> None:
    from backfire.understand.classifier import DefaultClassifier

    clf = DefaultClassifier.shared()
    encoder = clf._features.encoder
    assert encoder.adapter is not None and "tuned" in repr(encoder)


def test_heads_calibrate_only_on_rows_the_tuned_encoder_never_saw() -> None:
    """Rows a tuned encoder saw come out too well separated; calibrating on them makes the head
    overconfident on new posts. With `calibrate_on` the calibration error on fresh rows stays small."""
    from backfire.training.fit import fit_head
    from backfire.training.metrics import ece

    rng = np.random.default_rng(0)

    def rows(n: int, leaked: bool) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 2, n)
        signal = (2 * y - 1) * (3.0 if leaked else 0.6) + rng.normal(0, 0.3 if leaked else 1.0, n)
        return np.column_stack([signal, rng.normal(0, 1, n)]).astype(np.float32), y

    seen_x, seen_y = rows(900, leaked=True)
    unseen_x, unseen_y = rows(300, leaked=False)
    x, y = np.vstack([seen_x, unseen_x]), np.concatenate([seen_y, unseen_y])
    mask = np.arange(len(y)) >= len(seen_y)
    fresh_x, fresh_y = rows(3000, leaked=False)
    errors = {}
    for name, calibrate_on in (("all", None), ("unseen", mask)):
        head = fit_head("h", ("no", "yes"), x, None, y, seed=1, calibrate_on=calibrate_on)
        errors[name] = ece(fresh_y.astype(float), head.proba(fresh_x, None)[:, 1])
    assert errors["unseen"] < 0.04 and errors["unseen"] < 0.6 * errors["all"]

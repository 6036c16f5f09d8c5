"""Classify recorded calls on Ray: Ray Data `map_batches` over a pool of actors, one model per actor.

Each recorded `predict_many` call (`replay.Call`: at most a few hundred distinct texts) is one row and is
classified whole, by the same classifier code, so its verdicts are those the in-process run computes. An
actor loads the classifier once (with `threads_per_worker` torch threads) and, for a stored campaign,
adapts it to the campaign's reviewer labels as `Pipeline` does (`pipeline.with_corrections`, reading the
labels from the store by its location).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from backfire.model import Campaign, Verdict
from backfire.scale.replay import Call
from backfire.understand.base import Classifier

_PROTOCOL = pickle.HIGHEST_PROTOCOL


class ClassifyActor:
    """A Ray Data actor: `model` loaded once; rows of pickled calls in, rows of pickled verdicts out."""

    def __init__(self, model: str, threads: int, store: str | None = None) -> None:
        import torch

        from backfire.understand import get_classifier

        torch.set_num_threads(threads)
        options: dict[str, Any] = {"threads": threads} if model == "default" else {}
        self.base: Classifier = get_classifier(model, **options)
        self.store = store
        self.adapted: dict[str, Classifier] = {}

    def _classifier(self, campaign: Campaign | None) -> Classifier:
        if campaign is None or self.store is None:
            return self.base
        if campaign.name not in self.adapted:
            from backfire.pipeline import with_corrections
            from backfire.store import open_store

            with open_store(self.store) as store:
                self.adapted[campaign.name] = with_corrections(self.base, store, campaign)
        return self.adapted[campaign.name]

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        units = batch.column("unit").to_pylist()
        results, names = [], []
        for payload in batch.column("call").to_pylist():
            call: Call = pickle.loads(payload)
            classifier = self._classifier(call.campaign)
            results.append(pickle.dumps(classifier.predict_many(call.posts, call.campaign), protocol=_PROTOCOL))
            names.append(str(getattr(classifier, "name", "")))
        return pa.table({"unit": pa.array(units, pa.int64()), "verdicts": pa.array(results, pa.binary()),
                         "name": pa.array(names, pa.string())})


def classify_calls(ray: ModuleType, calls: Sequence[Call], model: str, workers: int,
                   store: str | None = None) -> tuple[list[list[Verdict]], list[str]]:
    """The verdicts of every call, in the calls' order, computed by `workers` actors, and the name of the
    classifier that answered each (the model's, `+adapted` when reviewer labels adapted it)."""
    if not calls:
        return [], []
    from backfire.scale.engine import threads_per_worker

    rows = [{"unit": i, "call": pickle.dumps(c, protocol=_PROTOCOL)} for i, c in enumerate(calls)]
    ds = ray.data.from_items(rows, override_num_blocks=min(len(rows), 8 * workers))
    out = ds.map_batches(
        ClassifyActor, batch_size=1, batch_format="pyarrow", num_cpus=1,
        compute=ray.data.ActorPoolStrategy(size=min(workers, len(rows))),
        fn_constructor_kwargs={"model": model, "threads": threads_per_worker(workers), "store": store},
    )
    results: list[list[Verdict] | None] = [None] * len(calls)
    names = [model] * len(calls)
    for row in out.iter_rows():
        results[int(row["unit"])] = pickle.loads(row["verdicts"])
        names[int(row["unit"])] = str(row["name"])
    missing = [i for i, r in enumerate(results) if r is None]
    if missing:
        raise RuntimeError(f"Ray returned no verdicts for {len(missing)} of {len(calls)} classifier calls")
    return [r for r in results if r is not None], names

"""Understand each post: stance toward the campaign, sarcasm, sentiment and offensiveness.

`get_classifier(name, **options)` returns a registered classifier ("default": the shipped offline model;
"baseline": VADER; "llm": an OpenAI-compatible judge; plugins register in the entry-point group
`backfire.classifiers`). `classify_posts` streams verdicts, classifying each distinct text once.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from backfire.understand.base import Classifier
from backfire.understand.stream import classify_posts

BUILTIN: dict[str, str] = {
    "default": "backfire.understand.classifier:DefaultClassifier",
    "baseline": "backfire.understand.baseline:BaselineClassifier",
    "llm": "backfire.understand.backends.llm:LLMJudge",
}
ENTRY_POINT_GROUP = "backfire.classifiers"


def _load(target: str) -> Any:
    from importlib import import_module

    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def available_classifiers() -> dict[str, str]:
    """Every classifier name with the `module:Class` it loads (entry points, then the built-ins)."""
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return {**found, **BUILTIN}


def get_classifier(name: str = "default", **options: Any) -> Classifier:
    """The classifier registered under `name`, built with `options`."""
    registry = available_classifiers()
    if name not in registry:
        raise ValueError(f"Unknown classifier {name!r}; choose one of: {', '.join(sorted(registry))}.")
    return _load(registry[name])(**options)  # type: ignore[no-any-return,unused-ignore]


__all__ = ["Classifier", "available_classifiers", "classify_posts", "get_classifier"]

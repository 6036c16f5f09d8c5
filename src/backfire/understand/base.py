"""The classifier interface every stance model implements (river-style one-item + batch forms)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from backfire.model import Campaign, Post, Verdict


@runtime_checkable
class Classifier(Protocol):
    """Reads posts and returns one `Verdict` each.

    Implementations store their constructor arguments as same-named attributes, are deterministic, and
    never touch the network unless they are an explicitly configured remote backend.
    """

    name: str

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict: ...

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]: ...

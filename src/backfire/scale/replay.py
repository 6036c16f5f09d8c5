"""Classify elsewhere, decide here: record the classifier calls a run makes, replay their results.

The in-process path decides which texts to classify (each distinct text once, reposts inheriting, the
owner's posts as support, answers read in their thread) inside `understand.classify_posts`, as a
`Pipeline` or `jobs.classify_file` drives it. Which calls it makes depends only on the posts, never on the
verdicts returned, so a run is split in three without touching that logic:

1. plan: the same run with a `RecordingClassifier`, which keeps every call (its posts and the campaign as
   it stood) and answers with placeholders;
2. classify: the recorded calls, each one a unit, on any number of workers (`ray_classify.py`);
3. replay: the same run again with a `ReplayClassifier`, which answers call N with call N's results and
   checks that call N asks about the same posts, so verdicts and alarms are those of the in-process run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from backfire.model import Alarm, Campaign, Post, Verdict


@dataclass
class Call:
    """One `predict_many` call: the posts asked about (raw records dropped) and the campaign as it was."""

    posts: list[Post]
    campaign: Campaign | None


class RecordingClassifier:
    """Records every call; answers each post with a neutral placeholder (never read as support, so
    thread reading never looks at a placeholder)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[Call] = []

    def __repr__(self) -> str:
        return f"RecordingClassifier(name={self.name!r}, calls={len(self.calls)})"

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        if posts:
            kept = [p.model_copy(update={"raw": None}) for p in posts]
            self.calls.append(Call(kept, campaign.model_copy(deep=True) if campaign is not None else None))
        return [Verdict(post_id=p.id, stance="neutral", p_hostile=0.5, p_support=0.0, model=self.name)
                for p in posts]

    @property
    def texts(self) -> int:
        """How many posts the recorded calls ask about (the distinct texts of the run)."""
        return sum(len(c.posts) for c in self.calls)


class ReplayMismatch(RuntimeError):
    """The replayed run asked about other posts than the recorded one: the input changed in between."""


class ReplayClassifier:
    """Answers the Nth call with the Nth recorded call's verdicts."""

    def __init__(self, name: str, calls: Sequence[Call], results: Sequence[list[Verdict]]) -> None:
        if len(calls) != len(results):
            raise ValueError(f"{len(calls)} recorded calls but {len(results)} results")
        self.name = name
        self._calls = calls
        self._results = results
        self._next = 0

    def __repr__(self) -> str:
        return f"ReplayClassifier(name={self.name!r}, calls={len(self._calls)}, next={self._next})"

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        if not posts:
            return []
        n = self._next
        if n >= len(self._calls) or [p.key for p in self._calls[n].posts] != [p.key for p in posts]:
            raise ReplayMismatch(f"classifier call {n} of the replay differs from the recorded run "
                                 "(did the posts change while it ran?)")
        self._next += 1
        return list(self._results[n])

    @property
    def finished(self) -> bool:
        """Every recorded call was replayed."""
        return self._next == len(self._calls)


@dataclass
class Raised:
    """The alarms a replayed campaign raised, each with the post that raised it (for the alert hooks)."""

    alarms: list[tuple[Alarm, Post]] = field(default_factory=list)

    def hook(self, alarm: Alarm, post: Post) -> None:
        self.alarms.append((alarm, post.model_copy(update={"raw": None})))

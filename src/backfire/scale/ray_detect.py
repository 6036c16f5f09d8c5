"""Analyse stored campaigns on Ray: plan and detect per campaign where its posts are, classify in between.

For each campaign a Ray task reads its posts from the store (by location: a SQLite path on this machine,
or the shared server's URL) in time order and records the classifier calls `Pipeline` makes
(`replay.RecordingClassifier`). Every campaign's calls are classified together on the actor pool
(`ray_classify`). Then a Ray task per campaign runs the same `Pipeline` again over the same posts, with
the computed verdicts replayed, the detector chosen by the caller and the store attached, so verdicts and
alarms are saved exactly as `pipeline.analyze_campaign` saves them. The alarms come back to the driver
with the posts that raised them, for its alert hooks.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from backfire.model import Alarm, Campaign, Post, Verdict
from backfire.scale.replay import Call, Raised, RecordingClassifier, ReplayClassifier
from backfire.warn.base import Detector


class NullDetector:
    """A detector that never alarms (the planning run needs none)."""

    name = "none"

    def __init__(self, campaign: Campaign | None = None) -> None:
        self.campaign = campaign
        self.alarm: Alarm | None = None
        self.alarms: list[Alarm] = []

    def update(self, post: Post, verdict: Verdict) -> Alarm | None:
        return None


def plan_campaign(store_location: str, campaign: Campaign, model: str) -> list[Call]:
    """The classifier calls analysing `campaign` makes (run on a Ray worker near the store)."""
    from backfire.pipeline import Pipeline
    from backfire.store import open_store

    recorder = RecordingClassifier(model)
    with open_store(store_location) as store:
        planned = campaign.model_copy(deep=True)
        Pipeline(planned, recorder, NullDetector(planned)).run(store.posts(campaign.name))
    return recorder.calls


@dataclass
class CampaignResult:
    """What detection did for one campaign: its pipeline summary and the alarms with their posts."""

    campaign: str
    summary: dict[str, Any]
    alarms: list[tuple[Alarm, Post]] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)  # the campaign's owners as the run resolved them


def detect_campaign(store_location: str, campaign: Campaign, name: str, calls: Sequence[Call],
                    results: Sequence[list[Verdict]], detector: Detector) -> CampaignResult:
    """Run `campaign`'s stored posts in time order through `Pipeline` with the verdicts of `calls`
    replayed; verdicts and alarms are saved to the store (run on a Ray worker near the store)."""
    from backfire.pipeline import Pipeline
    from backfire.scale.replay import ReplayMismatch
    from backfire.store import open_store

    replay = ReplayClassifier(name, calls, results)
    raised = Raised()
    with open_store(store_location) as store:
        # Built without the store, so the replayed verdicts (already adapted to the campaign's reviewer
        # labels by the actors) are not adapted twice; then the store is attached for the saves.
        pipeline = Pipeline(campaign, replay, detector, on_alarm=[raised.hook])
        pipeline.store = store
        pipeline.run(store.posts(campaign.name))
    if not replay.finished:
        raise ReplayMismatch(f"the posts of {campaign.name!r} changed while it was analysed: run it again")
    return CampaignResult(campaign.name, pipeline.summary(), raised.alarms, list(campaign.owners))


def analyze_on_ray(ray: ModuleType, store_location: str, campaigns: Sequence[Campaign],
                   detectors: Sequence[Detector], model: str, workers: int,
                   phases: dict[str, float] | None = None) -> list[CampaignResult]:
    """Classify and watch each of `campaigns` (with its own detector) on Ray; results in the same order.
    `phases`, when given, receives the wall seconds of each step (plan, classify, detect) and the number
    of distinct texts classified (texts)."""
    from backfire.scale.ray_classify import classify_calls

    phases = phases if phases is not None else {}
    start = time.perf_counter()
    plan = ray.remote(num_cpus=1)(plan_campaign)
    planned: list[list[Call]] = ray.get([plan.remote(store_location, c, model) for c in campaigns])
    units = [(i, call) for i, calls in enumerate(planned) for call in calls]
    phases["plan"], start = time.perf_counter() - start, time.perf_counter()
    phases["texts"] = float(sum(len(call.posts) for _, call in units))
    verdicts, names = classify_calls(ray, [call for _, call in units], model, workers, store=store_location)
    phases["classify"], start = time.perf_counter() - start, time.perf_counter()
    per_campaign: list[list[list[Verdict]]] = [[] for _ in campaigns]
    name_of = [model] * len(campaigns)  # a campaign without a single text to classify keeps the model's name
    for (i, _), result, unit_name in zip(units, verdicts, names, strict=True):
        per_campaign[i].append(result)
        name_of[i] = unit_name
    detect = ray.remote(num_cpus=1)(detect_campaign)
    refs = [detect.remote(store_location, c, name_of[i], planned[i], per_campaign[i], detectors[i])
            for i, c in enumerate(campaigns)]
    results: list[CampaignResult] = ray.get(refs)
    phases["detect"] = time.perf_counter() - start
    return results

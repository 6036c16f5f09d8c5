"""The jobs the CLI and benchmarks run on either engine: ingest files, classify a file, analyse campaigns.

Each takes the store by location (a SQLite path or, for a cluster, the shared server's URL), runs in this
process or on Ray, and returns what the in-process library function returns plus how long it took. On
both engines the store receives the same posts, quarantine, verdicts and alarms.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from backfire.ingest import IngestReport, Progress, ingest
from backfire.jobs import FileReport, classify_file
from backfire.model import Campaign, Quarantined
from backfire.pipeline import AlarmHook
from backfire.scale.engine import Engine, RayOptions, ray_session
from backfire.scale.ray_detect import CampaignResult
from backfire.store import Store, open_store
from backfire.warn.base import Detector


@dataclass
class Timing:
    """How a job ran: engine, workers (1 in process), wall seconds, and posts handled."""

    engine: str
    workers: int
    seconds: float
    posts: int

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (f"{self.posts:,} posts in {self.seconds:.1f} s ({self.posts_per_second:,.0f} posts/s, "
                f"{self.engine}, {self.workers} worker(s))")


@dataclass
class IngestRun:
    report: IngestReport
    timing: Timing


@dataclass
class ClassifyRun:
    report: FileReport
    timing: Timing
    texts: int = 0  # distinct texts the classifier read (Ray engine; in process: not counted)


@dataclass
class AnalyzeRun:
    results: list[CampaignResult]
    timing: Timing
    phases: dict[str, float] = field(default_factory=dict)  # Ray: seconds of plan, classify, detect; texts


def _engine(engine: Engine | str) -> Engine:
    return engine if isinstance(engine, Engine) else Engine(engine)


def ingest_with(store: Store, paths: Sequence[Path], campaign: Campaign | str, engine: Engine | str,
                options: RayOptions = RayOptions(), fmt: str | None = None, progress: Progress | None = None,
                private: bool = False, workers_write_to: str | None = None) -> IngestReport:
    """`ingest.ingest` on `engine`: with Ray, the files are read on Ray workers and written here; or, given
    `workers_write_to` (the location of `store`, a server every worker reaches), each file is read and
    written by a worker (`ray_write`: the same posts and report; posts of different files arrive
    interleaved)."""
    if _engine(engine) is Engine.INPROCESS:
        return ingest(store, paths, campaign, fmt, progress=progress, private=private)
    from backfire.scale.ray_ingest import RayReader

    with ray_session(options) as ray:
        if workers_write_to is not None:
            from backfire.scale.ray_write import ingest_on_workers

            ingest(store, [], campaign)  # the campaign saved (or created) here, as `ingest` does, once
            name = campaign.name if isinstance(campaign, Campaign) else campaign
            return ingest_on_workers(ray, paths, name, workers_write_to, fmt, private, options.worker_count(ray))
        reader = RayReader(ray, list(paths), fmt, private, options.worker_count(ray))
        return ingest(store, paths, campaign, fmt, progress=progress, private=private, reader=reader)


def run_ingest(files: Iterable[str | Path], campaign: Campaign | str, store_location: str | Path,
               engine: Engine | str = Engine.INPROCESS, workers: int | None = None, address: str | None = None,
               fmt: str | None = None, private: bool = False, progress: Progress | None = None,
               write_on_workers: bool = False) -> IngestRun:
    """Ingest `files` into the store at `store_location`; the report and its timing. `write_on_workers`
    (Ray, with a store every worker reaches): each file is stored by the worker that reads it."""
    paths = [Path(f) for f in files]
    options = RayOptions(workers, address)
    start = time.perf_counter()
    with open_store(store_location) as store:
        if _engine(engine) is Engine.INPROCESS:
            report, used = ingest_with(store, paths, campaign, engine, options, fmt, progress, private), 1
        else:
            with ray_session(options) as ray:  # ingest_with joins this session
                used = options.worker_count(ray)
                report = ingest_with(store, paths, campaign, engine, options, fmt, progress, private,
                                     str(store_location) if write_on_workers else None)
    return IngestRun(report, Timing(_engine(engine).value, used, time.perf_counter() - start, report.read))


class _Discard(io.StringIO):
    def write(self, s: str) -> int:
        return len(s)


def run_classify(path: str | Path, out: TextIO, model: str = "default", campaign: Campaign | None = None,
                 engine: Engine | str = Engine.INPROCESS, workers: int | None = None, address: str | None = None,
                 fmt: str | None = None, on_bad: Callable[[Quarantined], None] | None = None,
                 progress: Progress | None = None) -> ClassifyRun:
    """`jobs.classify_file` on `engine`: one JSON line per post of `path` to `out`, in input order. With
    Ray the distinct texts are classified by an actor pool and the lines written here."""
    from backfire.understand import get_classifier

    start = time.perf_counter()
    if _engine(engine) is Engine.INPROCESS:
        report = classify_file(Path(path), out, get_classifier(model), campaign, fmt, on_bad, progress)
        return ClassifyRun(report, Timing(Engine.INPROCESS.value, 1, time.perf_counter() - start, report.posts))
    from backfire.scale.ray_classify import classify_calls
    from backfire.scale.replay import RecordingClassifier, ReplayClassifier

    recorder = RecordingClassifier(model)
    classify_file(Path(path), _Discard(), recorder, _copy(campaign), fmt)
    with ray_session(RayOptions(workers, address)) as ray:
        used = RayOptions(workers, address).worker_count(ray)
        verdicts, names = classify_calls(ray, recorder.calls, model, used)
    replay = ReplayClassifier(names[0] if names else model, recorder.calls, verdicts)
    report = classify_file(Path(path), out, replay, campaign, fmt, on_bad, progress)
    return ClassifyRun(report, Timing(Engine.RAY.value, used, time.perf_counter() - start, report.posts),
                       texts=recorder.texts)


def _copy(campaign: Campaign | None) -> Campaign | None:
    return campaign.model_copy(deep=True) if campaign is not None else None


def run_analyze(store_location: str | Path, campaigns: Sequence[Campaign], detectors: Sequence[Detector],
                model: str = "default", engine: Engine | str = Engine.INPROCESS, workers: int | None = None,
                address: str | None = None, on_alarm: Sequence[AlarmHook] = (),
                progress: Progress | None = None) -> AnalyzeRun:
    """Classify and watch every stored post of each campaign in time order (verdicts and alarms stored),
    each campaign with its own detector; `on_alarm` hooks are called with each alarm and its post. In
    process the campaigns run one after another; on Ray, per campaign where its posts are (see
    `ray_detect`), the classification of all of them shared by one actor pool."""
    if len(campaigns) != len(detectors):
        raise ValueError("one detector per campaign")
    start = time.perf_counter()
    location = str(store_location)
    phases: dict[str, float] = {}
    if _engine(engine) is Engine.INPROCESS:
        results = _analyze_here(location, campaigns, detectors, model, on_alarm, progress)
        used = 1
    else:
        from backfire.scale.ray_detect import analyze_on_ray

        with ray_session(RayOptions(workers, address)) as ray:
            used = RayOptions(workers, address).worker_count(ray)
            results = analyze_on_ray(ray, location, campaigns, detectors, model, used, phases)
        for campaign, result in zip(campaigns, results, strict=True):
            # the owners an account id was found for, as the in-process run leaves them on `campaign`
            campaign.owners = [*campaign.owners, *(o for o in result.owners if o not in campaign.owners)]
            for alarm, post in result.alarms:
                for hook in on_alarm:
                    hook(alarm, post)
    posts = sum(int(r.summary.get("posts", 0)) for r in results)
    return AnalyzeRun(results, Timing(_engine(engine).value, used, time.perf_counter() - start, posts), phases)


def _analyze_here(location: str, campaigns: Sequence[Campaign], detectors: Sequence[Detector], model: str,
                  on_alarm: Sequence[AlarmHook], progress: Progress | None) -> list[CampaignResult]:
    from backfire.pipeline import analyze_campaign
    from backfire.scale.replay import Raised
    from backfire.understand import get_classifier

    classifier = get_classifier(model)
    results = []
    with open_store(location) as store:
        for campaign, detector in zip(campaigns, detectors, strict=True):
            raised = Raised()
            pipeline = analyze_campaign(store, campaign, classifier, detector, [*on_alarm, raised.hook], progress)
            results.append(CampaignResult(campaign.name, pipeline.summary(), raised.alarms, list(campaign.owners)))
    return results

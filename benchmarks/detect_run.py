"""Helpers of `benchmarks/detect`: run detectors over one simulated stream and score the alarms."""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from scipy.stats import binom, binomtest

from backfire.model import Alarm, Campaign, Post, Verdict
from backfire.simulate import FORMAT_PLATFORM, Simulation, generate, truth_as_written
from backfire.simulate.oracle import NoisyClassifier, PerfectReader
from backfire.simulate.realtext import TextBank, with_real_texts
from backfire.sources import FORMATS, read_posts, write_posts
from backfire.sources._common import PLATFORM_START
from backfire.understand import classify_posts
from backfire.understand.stream import post_text
from backfire.warn import get_detector
from backfire.warn.detector import HijackDetector

DETECTORS = ("default", "volume-spike", "fixed-share")
HIJACKS = ("mynypd", "slow-burn", "copycat")
CONTROLS = ("viral-success", "steady-critics")
WINDOW_MINUTES = 60.0


@dataclass
class Outcome:
    """What one detector did on one stream."""

    scenario: str
    seed: int
    detector: str
    hijacked: bool
    alarms: int
    early: bool  # an alarm before the onset (or any alarm on a control)
    delay: float | None  # minutes from onset to the first alarm within the window
    trigger_first: bool
    posts: int = 0  # posts the detector took
    seconds: float = 0.0  # time the detector spent on them (its own updates, classification aside)


def verdicts_for(sim: Simulation, classifier: str, seed: int) -> list[Verdict]:
    """The verdicts a detector sees: the noisy stand-in ("noisy"), the true labels ("truth", an upper
    bound), or a registered classifier of the project by name ("default", "baseline", ...) run on the
    simulated texts the way `backfire detect` runs it (`classify_posts`: a repost takes its original's
    verdict, which matters where a repost carries no text of its own, as in Jetstream)."""
    if classifier == "noisy":
        return NoisyClassifier(sim.labels, seed=seed).predict_many(sim.posts)
    if classifier == "truth":
        return PerfectReader(sim.labels).predict_many(sim.posts)
    return [verdict for _, verdict in classify_posts(sim.posts, sim.campaign, _classifier(classifier))]


class Memo:
    """A classifier that remembers what `model` said of each exact post text (with its media) for a
    campaign, so each process classifies a text of the bank once, not once per stream. Each stream is
    still classified as `backfire detect` classifies it alone (its own cache, which folds mentions);
    only the model's answer for an exact text is reused, which is the same answer: it reads nothing else
    (the owner's posts never reach it, and when the campaign was launched is not read)."""

    def __init__(self, model: Any) -> None:
        self.model, self.name = model, model.name
        self._seen: dict[tuple[str, str], Verdict] = {}

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        about = campaign.model_dump_json(exclude={"launched_at"}) if campaign else ""
        keys = [(about, f"{post_text(p)}\x00{[m.model_dump_json() for m in p.media]}") for p in posts]
        todo = {key: post for key, post in zip(keys, posts, strict=True) if key not in self._seen}
        for key, verdict in zip(todo, self.model.predict_many(list(todo.values()), campaign), strict=True):
            self._seen[key] = verdict
        return [self._seen[key].model_copy(update={"post_id": p.id}) for key, p in zip(keys, posts, strict=True)]


_MODELS: dict[str, Memo] = {}
_BANKS: dict[str, TextBank] = {}
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def simulate(scenario: str, seed: int, hours: float, texts: str | None = None,
             tweaks: Sequence[str] = ()) -> Simulation:
    """One simulated stream; with `texts`, carrying real labelled posts instead of the simulator's own
    ("real": the posts of ../shared/data the classifier never trained on, the same from another folder
    holding that data, or a CSV of text,stance; see `backfire.simulate.realtext`). `tweaks` (see
    `TWEAKS`) change how the stream is seen or shaped, to test how far the figures carry over."""
    if unknown := set(tweaks) - set(TWEAKS) - {f"via-{name}" for name in FORMATS}:
        raise ValueError(f"unknown tweak(s): {', '.join(sorted(unknown))}; known: {', '.join(TWEAKS)}, "
                         f"via-FORMAT ({', '.join(FORMATS)})")
    sim = generate(scenario, seed, hours=hours, scale=next((VOLUMES[t] for t in tweaks if t in VOLUMES), 1.0))
    sim = with_real_texts(sim, text_bank(texts), seed) if texts else sim
    if "tag-only" in tweaks:
        campaign = Campaign.for_tag(sim.campaign.tags[0] if sim.campaign.tags else None)
        sim = replace(sim, truth=sim.truth.model_copy(update={"campaign": campaign}))
    if "flat" in tweaks:
        sim = flatten(sim)
    if "rt-rows" in tweaks:
        sim = retweet_rows(sim)
    for tweak in tweaks:
        if tweak.startswith("via-"):
            sim = through_file(sim, tweak.removeprefix("via-"))
    return sim


TWEAKS = {
    "tag-only": "the campaign known by its tag alone, as `backfire detect --tag T` without `--owner` knows it: "
                "the classifier is not told whose campaign it is, and the detector does not skip the owner's posts",
    "flat": "every cascade link cut: reposts dropped, answers and quotes posted as unrelated originals, as in "
            "a stream assembled from a labelled dataset (each post an independent verdict)",
    "rt-rows": "reposts written as text rows, 'RT @author: text', that do not name the post they repeat, as in "
               "a CSV export of tweets",
    "quiet": "a quarter of the simulator's volume (every rate), as on a small organiser's campaign",
    "busy": "four times the simulator's volume (every rate), as on a national brand's campaign",
}
VOLUMES = {"quiet": 0.25, "busy": 4.0}  # the `generate(scale=...)` of the volume tweaks


def flatten(sim: Simulation) -> Simulation:
    """`sim` without its cascades (see `TWEAKS`): same timing, texts, labels and ground truth."""
    posts = [p.model_copy(update={"reply_to": None, "quote_of": None}) for p in sim.posts if p.repost_of is None]
    return replace(sim, posts=posts, labels={p.id: sim.labels[p.id] for p in posts if p.id in sim.labels})


def retweet_rows(sim: Simulation) -> Simulation:
    """`sim` with every repost written as a text row, "RT @author: text", without `repost_of` (see
    `TWEAKS`): same posts, timing, labels and ground truth."""
    by_id = {p.id: p for p in sim.posts}

    def row(post: Post) -> Post:
        original = by_id.get(post.repost_of or "")
        if original is None:
            return post
        return post.model_copy(update={"repost_of": None, "text": f"RT @{original.author.handle}: {original.text}"})

    return replace(sim, posts=[row(p) for p in sim.posts])


def into_platform_years(sim: Simulation, platform: str) -> Simulation:
    """`sim` moved later by whole weeks when it starts before `platform` existed (a 2014 #myNYPD replay
    written as Bluesky posts), so that the file's reader does not quarantine every post as impossibly
    dated; times of day, weekdays, gaps and the onset keep their places."""
    start = PLATFORM_START.get(platform)
    first = min((p.created_at for p in sim.posts), default=None)
    if start is None or first is None or first >= start:
        return sim
    shift = timedelta(weeks=math.ceil((start - first) / timedelta(weeks=1)))

    def moved(post: Post) -> Post:
        return post.model_copy(update={"created_at": post.created_at + shift,
                                       "embedded": [moved(e) for e in post.embedded]})

    onset = sim.truth.onset + shift if sim.truth.onset is not None else None
    return replace(sim, posts=[moved(p) for p in sim.posts], truth=sim.truth.model_copy(update={"onset": onset}))


def through_file(sim: Simulation, fmt: str) -> Simulation:
    """`sim` as `backfire detect` sees it from a file in `fmt`: written, read back (what the format does
    not carry is lost, e.g. Jetstream's follower counts and repost texts), its labels and ground truth
    following the posts' and accounts' names in the file (Jetstream's DIDs and at:// URIs)."""
    sim = into_platform_years(sim, FORMAT_PLATFORM.get(fmt, "twitter"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"stream.{fmt}"
        write_posts(sim.posts, path, fmt)
        read = [p.model_copy(update={"raw": None}) for p in read_posts(path, fmt) if isinstance(p, Post)]
    if len(read) != len(sim.posts):
        raise ValueError(f"{fmt}: wrote {len(sim.posts)} posts, read back {len(read)}")
    ids = {old.id: new.id for old, new in zip(sim.posts, read, strict=True)}
    truth = truth_as_written(sim.truth, getattr(FORMATS[fmt], "account", None))
    return Simulation(posts=read, truth=truth, labels={ids[k]: v for k, v in sim.labels.items() if k in ids})


def text_bank(texts: str) -> TextBank:
    """The bank of real posts named by `texts` (see `simulate`), read once per process."""
    if texts not in _BANKS:
        folder = SHARED_DATA if texts == "real" else Path(texts)
        _BANKS[texts] = TextBank.shared(folder) if folder.is_dir() else TextBank.from_csv(folder)
    return _BANKS[texts]


def _classifier(name: str) -> Memo:
    """One instance per process of the project's classifier `name` (loading it is slow), remembering
    its verdicts by text (`Memo`)."""
    if name not in _MODELS:
        from backfire.understand import get_classifier

        _MODELS[name] = Memo(get_classifier(name))
    return _MODELS[name]


def run_stream(scenario: str, seed: int, classifier: str = "noisy", hours: float = 12.0,
               options: dict[str, Any] | None = None, texts: str | None = None,
               tweaks: Sequence[str] = ()) -> list[Outcome]:
    """Every detector over one simulated stream, scored against its ground truth."""
    sim = simulate(scenario, seed, hours, texts, tweaks)
    verdicts = verdicts_for(sim, classifier, seed)
    outcomes = []
    for name in DETECTORS:
        start = time.perf_counter()
        alarms = run_detector(sim.posts, verdicts, sim, name, options or {})
        outcome = score(sim, name, alarms)
        outcome.posts, outcome.seconds = len(sim.posts), time.perf_counter() - start
        outcomes.append(outcome)
    return outcomes


def run_detector(posts: Sequence[Post], verdicts: Sequence[Verdict], sim: Simulation, name: str,
                 options: dict[str, Any]) -> list[Alarm]:
    detector = get_detector(name, sim.campaign, **(options if name == "default" else {}))
    for post, verdict in zip(posts, verdicts, strict=True):
        detector.update(post, verdict)
    return detector.alarms


def score(sim: Simulation, name: str, alarms: list[Alarm]) -> Outcome:
    """Delay, early alarms and trigger attribution of one detector's alarms on one stream."""
    truth = sim.truth
    onset = truth.onset
    early = bool(alarms) if onset is None else any(a.at < onset for a in alarms)
    delay, first = None, False
    if onset is not None:
        inside = [a for a in alarms if 0 <= (a.at - onset).total_seconds() / 60 <= WINDOW_MINUTES]
        if inside:
            delay = (inside[0].at - onset).total_seconds() / 60
            first = bool(inside[0].triggers) and inside[0].triggers[0] == truth.trigger_accounts[0]
    return Outcome(truth.scenario, truth.seed, name, truth.hijacked, len(alarms), early, delay, first)


def summarise(outcomes: Sequence[Outcome], name: str) -> dict[str, float]:
    """The benchmark's figures for one detector."""
    hij, ctl, delays = _streams(outcomes, name)
    return {
        "detected_60min": _share(o.delay is not None for o in hij),
        "median_delay_min": statistics.median(delays) if delays else float("nan"),
        "controls_alarmed": _share(o.early for o in ctl),
        "pre_onset_alarms": _share(o.early for o in hij),
        "trigger_first": _share(o.trigger_first for o in hij),
        "posts_per_s": _rate(outcomes, name),
    }


def _rate(outcomes: Sequence[Outcome], name: str) -> float:
    """Posts a second through one detector's `update` (one core; classification not included)."""
    mine = [o for o in outcomes if o.detector == name]
    seconds = sum(o.seconds for o in mine)
    return sum(o.posts for o in mine) / seconds if seconds > 0 else float("nan")


def _streams(outcomes: Sequence[Outcome], name: str) -> tuple[list[Outcome], list[Outcome], list[float]]:
    """One detector's outcomes on hijacked streams and on controls, and its delays (never: infinite)."""
    mine = [o for o in outcomes if o.detector == name]
    hij = [o for o in mine if o.hijacked]
    delays = [o.delay if o.delay is not None else float("inf") for o in hij]
    return hij, [o for o in mine if not o.hijacked], delays


def _share(flags: Any) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else float("nan")


def intervals(outcomes: Sequence[Outcome], name: str, level: float = 0.95) -> dict[str, tuple[float, float]]:
    """How far each of `summarise`'s figures could be from its value on endless streams: a Wilson
    interval for the shares, a distribution-free (order statistic) one for the median delay. With 30
    hijacks, 28 detected (93%) is as consistent with 98% as with 78%."""
    hij, ctl, delays = _streams(outcomes, name)
    return {
        "detected_60min": share_interval(sum(o.delay is not None for o in hij), len(hij), level),
        "median_delay_min": median_interval(delays, level),
        "controls_alarmed": share_interval(sum(o.early for o in ctl), len(ctl), level),
        "trigger_first": share_interval(sum(o.trigger_first for o in hij), len(hij), level),
    }


def share_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share of k in n.

    >>> [round(x, 3) for x in share_interval(0, 30)]
    [0.0, 0.114]
    """
    if n == 0:
        return float("nan"), float("nan")
    ci = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def median_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval of a median: the order statistics whose ranks a Binomial(n, 1/2)
    covers with probability `level` (values may be infinite: an undetected hijack).

    >>> median_interval([float(i) for i in range(1, 31)])
    (10.0, 21.0)
    """
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return float("nan"), float("nan")
    r = int(binom.ppf((1 - level) / 2, n, 0.5))  # the bounds are the r-th smallest and the r-th largest
    r = max(1, r)  # (a tiny sample cannot reach `level`: its interval is then its range)
    return xs[r - 1], xs[n - r]


@dataclass
class Trace:
    """Our detector's statistic (evidence / threshold) on one stream: its peak before the onset (the
    whole stream for a control) and its course in the 60 minutes after the onset."""

    scenario: str
    seed: int
    hijacked: bool
    calm_peak: float
    window: list[tuple[float, float]]  # (minutes after the onset, statistic)


def trace_stream(scenario: str, seed: int, classifier: str = "noisy", hours: float = 12.0,
                 options: dict[str, Any] | None = None, texts: str | None = None,
                 tweaks: Sequence[str] = ()) -> Trace:
    """Follow the default detector's statistic over one stream (see `Trace`). The detector is kept from
    raising alarms (an alarm stops its baseline learning), so the course is the one any threshold scale
    would have followed up to its own first alarm."""
    sim = simulate(scenario, seed, hours, texts, tweaks)
    verdicts = verdicts_for(sim, classifier, seed)
    detector = HijackDetector(sim.campaign, **(options or {}))
    gate, detector.min_posts = detector.min_posts, 10**12  # no alarm ever; the gate is applied here
    onset, peak, window = sim.truth.onset, 0.0, []
    for post, verdict in zip(sim.posts, verdicts, strict=True):
        detector.update(post, verdict)
        if detector.posts_seen < gate:
            continue
        stat = detector.statistic
        minutes = None if onset is None else (post.created_at - onset).total_seconds() / 60
        if minutes is None or minutes < 0:
            peak = max(peak, stat)
        elif minutes <= WINDOW_MINUTES:
            window.append((minutes, stat))
    return Trace(scenario, seed, sim.truth.hijacked, peak, window)


def sweep(traces: Sequence[Trace], scale: float) -> dict[str, float]:
    """The benchmark's figures had every threshold been `scale` times what the detector computed: an
    alarm once the statistic reaches `scale`. Exact for the first alarm of each stream (the one the
    figures score), up to the 4x cap on the statistic."""
    hij = [t for t in traces if t.hijacked]
    ctl = [t for t in traces if not t.hijacked]
    delays = [next((m for m, stat in t.window if stat >= scale), float("inf")) for t in hij]
    return {
        "scale": scale,
        "detected_60min": _share(d != float("inf") for d in delays),
        "median_delay_min": statistics.median(delays) if delays else float("nan"),
        "controls_alarmed": _share(t.calm_peak >= scale for t in ctl),
        "pre_onset_alarms": _share(t.calm_peak >= scale for t in hij),
    }

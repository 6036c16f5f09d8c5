"""The hijack detector: a CUSUM on the reach-weighted hostile share of a campaign's stream.

Each post brings soft evidence: the classifier's `p_hostile` (with `answer_context=True`, an answer's
read in its thread: `context.py`, off by default), weighted by the post's reach (`reach.py`; the owner's
own posts are skipped, and so are posts with nothing to judge, such as a Jetstream repost record whose
original the stream never showed; reposts weigh only the audience they add, including retweets written
as text rows, "RT @x: ...", which `retweets.py` links to what they repeat). The statistic is the
Bernoulli log-likelihood-ratio CUSUM of "the hostile share has risen from the baseline p0 to
p1 = p0 + shift" (Page 1954), with each post's expected log-likelihood ratio under `p_hostile`, run
for a small shift (a slow burn) and a large one (a sudden hijack):

    S <- max(0, S + w * [p log(p1/p0) + (1 - p) log((1 - p1)/(1 - p0))] / (design_effect * dispersion))

The baseline p0 is learned from the stream an hour late (a Beta prior, then a weighted mean with a
long memory; never from what led to an alarm), at the upper end of its uncertainty. Each threshold
comes from the false-alarm rate: the mean run length of a CUSUM between false alarms is about
e^h / KL(p0 || p1) observations (Wald and Siegmund's approximation, overshoot ignored, which errs on
the safe side), so with k shifts sharing the rate,

    h = ln(k * posts_per_day * KL(p0 || p1) / false_alarms_per_day).

`posts_per_day` is the stream's own rate of evidence (weight units a day), with the `posts_per_day`
argument as a prior worth two hours, so a rate of false alarms means the same on a campaign of a few
hundred posts a day and one of a hundred thousand (`rate_from_stream=False` keeps the argument fixed).

The threshold assumes each weight unit is an independent, sure 0/1 verdict. Two things break that, in
opposite directions, and the evidence is divided by both:
- `dispersion`: an unsure classifier's `p_hostile` varies less than sure verdicts of the same mean
  share would, so its evidence varies less than the likelihood ratio assumes. The detector measures it
  on the calm stream it learns its baseline from, as Var(p) / (p0 (1 - p0)), reach weighted (a prior
  of sure verdicts at first; `dispersion_from_stream=False` fixes it at 1). It is about 0.3 for the
  project's classifier on simulated template posts, 0.5 on real posts, 0.85 for the true labels.
- the design effect: posts in one cascade are not independent (reposts inherit the verdict, agreeing
  answers follow it), so a critic's cascade counts as many verdicts. It is the smaller of two figures,
  each measured on calm simulated streams of seeds the benchmark does not report (`benchmarks/detect
  --calibrate`, with the other figure out of the way: `--option design_effect=1 --option
  structure_effect=100`, or the reverse):
  - `design_effect` (2.4), what makes calm streams with their cascades alarm at the nominal rate
    when read by the shipped classifier: with a design effect of 1, 200 calm 8-hour streams of real
    posts (`--classifier default --texts real --hours 8 --controls 200`) read by `backfire-default-4`
    reach a median 0.91 times the threshold and 2.33 at their 96.7% quantile (at 0.1 false alarms a
    day, 3.3% of 8-hour streams may alarm; max 4.01), rounded up to 2.4. With `backfire-default-3`
    the same quantile was 2.59 (median 0.95, max 4.02) and the setting 2.6 (2026-12-06 to 12-07).
    Read with the true labels the same quantile is
    3.42: a classifier that sharp needs its own (`--design-effect`). Until 2026-12-06 this was 3, the
    worst of 40 calm 24-hour streams read with the true labels (3.0): 1% of calm 8-hour streams read
    by the shipped classifier alarmed, a third of the rate the setting names;
  - `structure_effect` (2.1) times the stream's own measured clustering (`structure.py`: about 1 on a
    stream of independent posts, 1.5-2 with cascades): with this as the design effect alone (and the
    measure started from independent posts, `structure_prior=1`), calm 24-hour streams read with the
    true labels (`--classifier truth --hours 24`)
    with their cascades reach at most 1.92 times the threshold and the same streams without repost
    links (`--flat`) 2.06 (medians 0.98 and 1.04).
  A stream without repost links (a dataset of posts, an export that drops retweets) thus earns a
  smaller design effect, about 2.1, where a cascaded one keeps 2.4. Until the calm stream shows how
  clustered it is, the measure starts from the worst case (a prior worth 30 weight units): started
  from independent posts instead, 2 of 200 reported hijacked streams of real posts alarmed before the
  onset (1 with the worst case), while the median delay gained under a minute.
Before the dispersion was measured, a design effect of 1 held for the project's unsure classifier on
its templates, but 20% of calm 8-hour streams of real posts (`benchmarks/detect --texts real`: sharper
verdicts) alarmed, and 52% of calm 24-hour streams read with the true labels.

Alarms escalate (watch -> warning -> critical) instead of repeating; a new episode cannot alarm until
`cooldown_minutes` after the last alarm. An episode still alarmed after `rebaseline_hours` becomes the
new normal: its share is learned as the baseline and watching starts afresh.

>>> from backfire.simulate import generate
>>> from backfire.simulate.oracle import NoisyClassifier
>>> sim = generate("mynypd", seed=3, hours=5)
>>> det = HijackDetector(campaign=sim.campaign)
>>> oracle = NoisyClassifier(sim.labels, seed=3)
>>> alarms = [a for p in sim.posts if (a := det.update(p, oracle.predict_one(p)))]
>>> alarms[0].severity, alarms[0].triggers[0] == sim.truth.trigger_accounts[0]
('watch', True)
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from backfire.model import SEVERITIES, Alarm, Campaign, Post, Severity, Verdict
from backfire.warn.attribution import Threads
from backfire.warn.context import Context
from backfire.warn.reach import ReachWeights, reach, seed_reach
from backfire.warn.retweets import Retweets
from backfire.warn.structure import Structure


class HijackDetector:
    """Sequential change test on the reach-weighted hostile share (see the module doc)."""

    name = "default"

    def __init__(self, campaign: Campaign | None = None, false_alarms_per_day: float = 0.1,
                 posts_per_day: float = 5000.0, shifts: tuple[float, ...] = (0.1, 0.25), design_effect: float = 2.4,
                 prior_share: float = 0.15, prior_weight: float = 10.0, memory: float = 1500.0,
                 cooldown_minutes: float = 60.0, min_posts: int = 20, repost_share: float = 0.5,
                 lag_minutes: float = 60.0, caution: float = 0.3, rebaseline_hours: float = 12.0,
                 rate_from_stream: bool = True, answer_context: bool = False, dispersion_from_stream: bool = True,
                 structure_effect: float = 2.1, structure_prior: float | None = None, board_limit: int = 5000,
                 keep_links: bool = False) -> None:
        self.campaign = campaign
        self.false_alarms_per_day = false_alarms_per_day
        self.posts_per_day = posts_per_day
        self.shifts = tuple(shifts)
        self.design_effect = design_effect
        self.structure_effect = structure_effect
        self.structure_prior = design_effect / structure_effect if structure_prior is None else structure_prior
        self.prior_share = prior_share
        self.prior_weight = prior_weight
        self.memory = memory
        self.cooldown_minutes = cooldown_minutes
        self.min_posts = min_posts
        self.repost_share = repost_share
        self.lag_minutes = lag_minutes
        self.caution = caution
        self.rebaseline_hours = rebaseline_hours
        self.rate_from_stream = rate_from_stream
        self.dispersion_from_stream = dispersion_from_stream
        self.board_limit = board_limit
        self.keep_links = keep_links
        self.links: dict[str, str] = {}  # with `keep_links`: post id -> the post it reposts or answers (the board's)
        self.changes: list[tuple[datetime, float]] = []  # per alarm: its change point and the calm level then
        self._volume = 0.0  # evidence weight seen (the CUSUMs' increments are per weight unit)
        self._first: datetime | None = None
        self._last: datetime | None = None
        self.alarm: Alarm | None = None
        self.alarms: list[Alarm] = []
        self._weights = ReachWeights(repost_share)
        self._retweets = Retweets()
        self._context = Context(enabled=answer_context)  # opt-in: see context.py for why it is off
        self._board = Threads(limit=board_limit, lookback_minutes=60.0)  # slow burns: the CUSUM leaves zero late
        # How clustered the calm evidence is; until the stream shows it, the worst case (`design_effect`)
        # unless `structure_prior` says otherwise (calibrating `structure_effect` needs a prior of 1).
        self._structure = Structure(prior=self.structure_prior, memory=memory)
        # (sum w*p, sum w, sum w*p^2) of the calm stream; the prior reads as sure verdicts (dispersion 1)
        self._base = (prior_share * prior_weight, prior_weight, prior_share * prior_weight)
        self._stats = [0.0] * len(self.shifts)
        self._h = self.thresholds()
        # Per CUSUM: [sum w*p, sum w] since it last left zero, and when that was (its change point).
        self._change = [[0.0, 0.0] for _ in self.shifts]
        self._starts: list[datetime | None] = [None] * len(self.shifts)
        self._examples: list[tuple[float, str, str]] = []
        self._seen = 0
        # Per minute not yet learned: [minute, sum w*p, sum w, sum w*p^2, [(cluster, w), ...]]
        self._pending: deque[list[Any]] = deque()
        self._level = -1  # severity index alarmed in the current episode
        self._episode: datetime | None = None  # when the current episode first alarmed

    def thresholds(self) -> list[float]:
        """One threshold per shift, from the false-alarm rate (see the module doc):
        h = ln(k * posts_per_day * KL(p0 || p1) / false_alarms_per_day), at least 1."""
        p0, k = self.baseline, len(self.shifts)
        rate = self.rate()
        return [max(1.0, math.log(k * rate * _kl(p0, self._p1(shift)) / self.false_alarms_per_day))
                for shift in self.shifts]

    def rate(self) -> float:
        """Evidence weight per day: `posts_per_day` as a prior worth two hours, then the stream's own
        rate, so that `false_alarms_per_day` means the same on a small campaign and a huge one."""
        if not self.rate_from_stream or self._first is None or self._last is None:
            return self.posts_per_day
        days = (self._last - self._first).total_seconds() / 86400.0
        prior_days = 2.0 / 24.0
        return (self.posts_per_day * prior_days + self._volume) / (prior_days + days)

    def _p1(self, shift: float) -> float:
        return min(0.95, self.baseline + shift)

    @property
    def baseline(self) -> float:
        """The hostile share p0 of the calm stream (reach weighted), taken at the upper end of its
        uncertainty (mean + `caution` standard errors): a young stream's baseline is not yet known, and
        must not make its first critics look like a hijack."""
        wp, w, _ = self._base
        mean = wp / w
        return min(0.6, max(0.01, mean + self.caution * math.sqrt(mean * (1 - mean) / w)))

    @property
    def dispersion(self) -> float:
        """How far the calm stream's verdicts vary, against sure 0/1 verdicts of the same mean share:
        Var(p) / (p (1 - p)), reach weighted, from the baseline's own posts (1 with
        `dispersion_from_stream=False`). An unsure classifier's evidence varies less than its
        likelihood ratio assumes, so it counts for more (see the module doc)."""
        if not self.dispersion_from_stream:
            return 1.0
        wp, w, wpp = self._base
        mean = wp / w
        spread = mean * (1 - mean)
        return min(1.0, max(0.05, (wpp / w - mean * mean) / spread)) if spread > 0 else 1.0

    @property
    def effective_design_effect(self) -> float:
        """The design effect the evidence is divided by: `design_effect`, the worst case of cascaded
        streams, or less on a stream whose calm evidence comes in small clusters: `structure_effect`
        times the measured clustering (`structure.py`), about 1 on a stream of independent posts."""
        return min(self.design_effect, self.structure_effect * self._structure.factor)

    @property
    def board(self) -> Threads:
        """The trigger board: every thread (original with its reposts and answers) and its hostile credit."""
        return self._board

    @property
    def posts_seen(self) -> int:
        """How many posts (the owner's left out) the detector has taken; it alarms from `min_posts` on."""
        return self._seen

    @property
    def statistic(self) -> float:
        """The evidence of the bank: the largest CUSUM over its own threshold (an alarm at 1)."""
        return max(s / h for s, h in zip(self._stats, self._h, strict=True))

    def update(self, post: Post, verdict: Verdict) -> Alarm | None:
        """Take one post and its verdict (in time order); return the alarm it raises, if any."""
        post, cluster = self._retweets.read(post)
        if self.campaign is not None and self.campaign.is_owner(post.author.handle):
            return None
        if not verdict.judged:  # a repost record without text whose original was never seen: no evidence
            return None
        self._seen += 1
        p = self._context.read(post, verdict)
        w, _ = self._weights.weigh(post)
        self._first, self._last = self._first or post.created_at, post.created_at  # the stream's span and
        self._volume += w  # evidence, for `rate`
        # A verdict without p_support (a classifier that gives only p_hostile) takes a side entirely.
        support = verdict.p_support if "p_support" in verdict.model_fields_set else None
        audience = (reach if post.repost_of is not None else seed_reach)(post.author.followers)
        parent = self._board.record(post, p, audience, self.baseline, support)
        if self.keep_links and parent is not None:
            self.links[post.id] = parent
        self._accumulate(post, p, w, cluster)
        return self._maybe_alarm(post)

    # -- steps -------------------------------------------------------------------------------------
    def _accumulate(self, post: Post, p: float, w: float, cluster: str) -> None:
        """Add the post's evidence to each CUSUM, the change-window sums, or the calm baseline."""
        p0, scale = self.baseline, self.effective_design_effect * self.dispersion
        for i, shift in enumerate(self.shifts):
            p1 = self._p1(shift)
            llr = p * math.log(p1 / p0) + (1 - p) * math.log((1 - p1) / (1 - p0))
            # Capped at 4h: room to escalate to critical, and quick to recover when the stream calms.
            self._stats[i] = min(max(0.0, self._stats[i] + w * llr / scale), 4 * self._h[i])
        self._track_change(post, p, w)
        self._queue(post.created_at, p, w, cluster)

    def _track_change(self, post: Post, p: float, w: float) -> None:
        """Each CUSUM's change point (when it last left zero) and the evidence since then."""
        for i, stat in enumerate(self._stats):
            if stat <= 0.0:
                self._change[i] = [0.0, 0.0]
                self._starts[i] = None
                continue
            if self._starts[i] is None:
                self._starts[i] = post.created_at
            self._change[i][0] += w * p
            self._change[i][1] += w
        if self.statistic <= 0.0:
            self._examples = []
        else:
            self._keep_example(post, w * p)

    def _leader(self) -> int:
        """The CUSUM with the most evidence relative to its threshold."""
        return max(range(len(self.shifts)), key=lambda i: self._stats[i] / self._h[i])

    def _queue(self, at: datetime, p: float, w: float, cluster: str) -> None:
        """Hold the post's evidence for `lag_minutes` (half the stream's age while it is young), then
        fold it into the baseline unless an alarm was raised meanwhile: the baseline never learns from
        the change it should detect, and is not biased toward the calm stretches the CUSUM prefers."""
        minute = (at - (self._first or at)).total_seconds() // 60
        if self._pending and self._pending[-1][0] == minute:
            self._pending[-1][1] += w * p
            self._pending[-1][2] += w
            self._pending[-1][3] += w * p * p
            self._pending[-1][4].append((cluster, w))
        else:
            self._pending.append([minute, w * p, w, w * p * p, [(cluster, w)]])
        lag = min(self.lag_minutes, minute / 2)
        learned = False
        while self._pending and self._pending[0][0] < minute - lag:
            _, wp, ws, wpp, posts = self._pending.popleft()
            if self._level < 0:
                self._learn(wp, ws, wpp)
                self._structure.learn(posts)
                learned = True
        if learned:
            self._h = self.thresholds()

    def _learn(self, wp: float, w: float, wpp: float) -> None:
        """Weighted mean (and mean square) of the calm stream with a memory of about `memory` weight units."""
        bwp, bw, bwpp = self._base
        keep = 1.0 if bw + w <= self.memory else max(0.0, (self.memory - w) / bw)
        self._base = (bwp * keep + wp, bw * keep + w, bwpp * keep + wpp)

    def _keep_example(self, post: Post, score: float) -> None:
        if not post.text or post.repost_of is not None or any(e[2] == post.text for e in self._examples):
            return
        heapq.heappush(self._examples, (score, post.id, post.text))
        if len(self._examples) > 5:
            heapq.heappop(self._examples)

    def share(self) -> float:
        """The reach-weighted hostile share since the change began (the baseline when calm)."""
        wp, ws = self._change[self._leader()]
        return wp / ws if ws > 0 else self.baseline

    def severity(self) -> int:
        """-1 below threshold; 0 watch; 1 warning; 2 critical (by evidence and estimated share)."""
        s, share = self.statistic, self.share()
        if s < 1 or self._seen < self.min_posts:
            return -1
        if s >= 3 and share >= 0.55:
            return 2
        if s >= 2 and share >= 0.4:
            return 1
        return 0

    def _maybe_alarm(self, post: Post) -> Alarm | None:
        if self._episode and post.created_at - self._episode > timedelta(hours=self.rebaseline_hours):
            self._accept_new_normal()
        level = self.severity()
        if level < 0:
            if self.statistic <= 0.0:
                self._level, self._episode = -1, None  # the episode is over
            return None
        if level <= self._level or self._cooling(post.created_at, level):
            return None
        self._level = level
        self._episode = self._episode or post.created_at
        self._pending.clear()  # what led to the alarm never becomes the baseline
        alarm = self._make_alarm(post, SEVERITIES[level])
        self.alarm = alarm
        self.alarms.append(alarm)
        return alarm

    def _accept_new_normal(self) -> None:
        """After `rebaseline_hours` in one alarmed episode, the shifted share is the campaign's new normal:
        learn it as the baseline and start watching afresh (a watcher that runs for days stays useful)."""
        wp, ws = self._change[self._leader()]
        share = wp / ws if ws > 0 else self.baseline
        weight, spread = self.prior_weight * 10, self.dispersion * share * (1 - share)
        self._base = (share * weight, weight, (share * share + spread) * weight)  # the dispersion is kept
        self._stats = [0.0] * len(self.shifts)
        self._change = [[0.0, 0.0] for _ in self.shifts]
        self._starts = [None] * len(self.shifts)
        self._level, self._episode = -1, None
        self._h = self.thresholds()

    def _cooling(self, at: datetime, level: int) -> bool:
        """A new episode (nothing alarmed yet) waits for the cool-down after the last alarm."""
        if self.alarm is None or self._level >= 0:
            return False
        return at - self.alarm.at < timedelta(minutes=self.cooldown_minutes) and level <= SEVERITIES.index(
            self.alarm.severity)

    def _make_alarm(self, post: Post, severity: Severity) -> Alarm:
        start = self._starts[self._leader()] or post.created_at
        examples = sorted(self._examples, reverse=True)
        triggers = self._board.rank(start, self.baseline)
        self.changes.append((start, self.baseline))
        share, before = self.share(), self.baseline
        return Alarm(
            at=post.created_at, severity=severity, hostile_share=round(share, 4), share_before=round(before, 4),
            campaign=self.campaign.name if self.campaign else None, statistic=round(self.statistic, 3),
            triggers=triggers, examples=[e[2] for e in examples], example_ids=[e[1] for e in examples],
            post_id=post.id, detector=self.name,
            message=_message(self.campaign, severity, before, share, start, post.created_at, triggers),
        )


def _kl(p: float, q: float) -> float:
    """Kullback-Leibler divergence of Bernoulli(q) from Bernoulli(p).

    >>> round(_kl(0.2, 0.3), 4)
    0.0257
    """
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def _message(campaign: Campaign | None, severity: Severity, before: float, after: float, start: datetime,
             at: datetime, triggers: list[str]) -> str:
    """One line in the project's voice: what, how much, since when, who, what to do."""
    tag = f"#{campaign.tags[0]}" if campaign and campaign.tags else (campaign.name if campaign else "the campaign")
    minutes = max(1, round((at - start).total_seconds() / 60))
    who = f"; first trigger @{triggers[0]}" if triggers else ""
    return (f"Hijack suspected on {tag} ({severity}): hostile share rose from {before:.0%} to {after:.0%} "
            f"in {minutes} min{who}. Review the example posts and pause featuring the tag.")

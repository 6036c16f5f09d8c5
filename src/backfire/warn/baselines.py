"""The rules backfire must beat, as commercial listening tools apply them.

- `VolumeSpikeDetector`: the last 30 minutes carry more than 3x the average 30-minute volume before.
- `FixedShareDetector`: over 40% of the last 100 posts are negative by VADER (compound < -0.05 on the
  post's text); it never looks at our classifier.

Both alarm once per cool-down and name as `triggers` the most amplified accounts of the window.

>>> VolumeSpikeDetector().name, FixedShareDetector().name
('volume-spike', 'fixed-share')
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from backfire.model import Alarm, Campaign, Post, Verdict
from backfire.warn.attribution import Board
from backfire.warn.reach import ReachWeights, bound


class _Rule:
    """Shared bookkeeping: alarms, cool-down, the most amplified accounts."""

    name = "rule"

    def __init__(self, campaign: Campaign | None, cooldown_minutes: float) -> None:
        self.campaign = campaign
        self.cooldown_minutes = cooldown_minutes
        self.alarm: Alarm | None = None
        self.alarms: list[Alarm] = []
        self._weights = ReachWeights()
        self._board = Board(fade_minutes=1e9)

    def _fire(self, post: Post, share: float, since: datetime, message: str) -> Alarm | None:
        if self.alarm is not None and post.created_at - self.alarm.at < timedelta(minutes=self.cooldown_minutes):
            return None
        alarm = Alarm(at=post.created_at, severity="warning", hostile_share=round(min(1.0, max(0.0, share)), 4),
                      campaign=self.campaign.name if self.campaign else None, triggers=self._board.rank(since),
                      post_id=post.id, detector=self.name, message=message)
        self.alarm = alarm
        self.alarms.append(alarm)
        return alarm


class VolumeSpikeDetector(_Rule):
    """Alarm when the last `window_minutes` hold more than `factor` x the earlier average per window."""

    name = "volume-spike"

    def __init__(self, campaign: Campaign | None = None, window_minutes: float = 30.0, factor: float = 3.0,
                 min_posts: int = 10, cooldown_minutes: float = 60.0) -> None:
        super().__init__(campaign, cooldown_minutes)
        self.window_minutes = window_minutes
        self.factor = factor
        self.min_posts = min_posts
        self._window: deque[datetime] = deque()
        self._first: datetime | None = None
        self._before = 0

    def update(self, post: Post, verdict: Verdict) -> Alarm | None:
        t = post.created_at
        self._first = self._first or t
        self._window.append(t)
        self._board.record(post, 1.0, self._weights.weigh(post)[1])
        span = timedelta(minutes=self.window_minutes)
        while self._window and t - self._window[0] > span:
            self._window.popleft()
            self._before += 1
        earlier = (t - span - self._first) / span
        if earlier < 1.0 or len(self._window) < self.min_posts:
            return None
        average = self._before / earlier
        if len(self._window) <= self.factor * average:
            return None
        msg = f"Volume spike: {len(self._window)} posts in {self.window_minutes:.0f} min, {average:.0f} before."
        return self._fire(post, verdict.p_hostile, t - span, msg)


class FixedShareDetector(_Rule):
    """Alarm when over `threshold` of the last `window` posts are negative by VADER. A repost that carries
    no text of its own (a Jetstream repost record) is read as the post it repeats, as a listening tool
    shows the reposted content."""

    name = "fixed-share"

    def __init__(self, campaign: Campaign | None = None, window: int = 100, threshold: float = 0.4,
                 cutoff: float = -0.05, cooldown_minutes: float = 60.0) -> None:
        super().__init__(campaign, cooldown_minutes)
        self.window = window
        self.threshold = threshold
        self.cutoff = cutoff
        self._flags: deque[tuple[datetime, bool]] = deque(maxlen=window)
        self._read: OrderedDict[str, bool] = OrderedDict()  # the latest posts' readings, for their reposts

    def update(self, post: Post, verdict: Verdict) -> Alarm | None:
        if post.repost_of is not None and not post.text:
            negative = self._read.get(post.repost_of, False)
        else:
            negative = vader_compound(post.text) < self.cutoff
        self._read[post.id] = negative
        bound(self._read, 20_000)
        self._flags.append((post.created_at, negative))
        self._board.record(post, float(negative), self._weights.weigh(post)[1])
        if len(self._flags) < self.window:
            return None
        share = sum(f for _, f in self._flags) / len(self._flags)
        if share <= self.threshold:
            return None
        msg = f"Negative share {share:.0%} over the last {self.window} posts (VADER)."
        return self._fire(post, share, self._flags[0][0], msg)


@lru_cache(maxsize=50_000)
def vader_compound(text: str) -> float:
    """VADER's compound score of `text` (0 for empty text), cached per distinct text."""
    if not text:
        return 0.0
    return _analyzer().polarity_scores(text)["compound"]


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()

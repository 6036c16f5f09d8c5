"""Campaign timelines: how many posts of each stance arrive each minute, and who triggers a hijack.

Rates are per minute since launch. Friendly originals follow a ramp, a slow loss of interest and a day
and night rhythm; critics are a fixed share; a hijack adds hostile originals whose rate rises after the
trigger post and is further excited by the hostile reposts of the minutes before (Hawkes-like); every
original then grows its own repost cascade (`cascade.grow`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from itertools import pairwise

#: Hostile text kinds and their weights, before a hijack (critics) and during one.
CRITIC_MIX = {"hostile": 0.55, "sarcastic": 0.25, "service_parody": 0.1, "mock_ad": 0.1}
HIJACK_MIX = {"sarcastic": 0.4, "hostile": 0.22, "mock_ad": 0.12, "service_parody": 0.14, "copycat": 0.12}
COPYCAT_MIX = {"copycat": 0.5, "sarcastic": 0.25, "hostile": 0.15, "service_parody": 0.1}


@dataclass(frozen=True)
class Scenario:
    """A kind of campaign stream: its shape and the ranges its random parameters are drawn from."""

    name: str
    description: str
    hijack: str | None = None  # None | "sudden" | "gradual"
    profile: str | None = None  # None: drawn per seed among all profiles
    critic_share: tuple[float, float] = (0.03, 0.08)
    onset_minutes: tuple[float, float] = (100.0, 140.0)
    rise_minutes: tuple[float, float] = (8.0, 20.0)
    hostile_boost: tuple[float, float] = (6.0, 12.0)
    trigger_followers: tuple[float, float] = (25_000.0, 250_000.0)
    trigger_reposts: tuple[float, float] = (150.0, 400.0)
    viral_boost: tuple[float, float] = (1.0, 1.0)
    volume: float = 1.0  # multiplies the base rate of friendly posts
    hostile_mix: tuple[tuple[str, float], ...] = tuple(HIJACK_MIX.items())


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("mynypd", "A friendly launch turned within minutes by one large activist account's "
                 "sarcastic post over a photo of force; copycats follow and hostility becomes the majority.",
                 hijack="sudden", profile="police"),
        Scenario("demo", "The built-in #myNYPD-shaped demo: the mynypd scenario on the police profile.",
                 hijack="sudden", profile="police"),
        Scenario("copycat", "A hijack arriving from copycat tags of other organisations' campaigns.",
                 hijack="sudden", rise_minutes=(15.0, 30.0), trigger_followers=(15_000.0, 120_000.0),
                 trigger_reposts=(80.0, 250.0), hostile_mix=tuple(COPYCAT_MIX.items())),
        Scenario("slow-burn", "Hostility grows gradually over hours from one mid-sized critic's post.",
                 hijack="gradual", onset_minutes=(120.0, 240.0), rise_minutes=(60.0, 150.0),
                 trigger_followers=(6_000.0, 40_000.0), trigger_reposts=(30.0, 90.0), volume=2.5,
                 hostile_mix=tuple(CRITIC_MIX.items())),
        Scenario("viral-success", "The campaign goes viral for good reasons: volume grows 10x or more "
                 "after a celebrity joins, and it stays friendly.", viral_boost=(15.0, 25.0)),
        Scenario("steady-critics", "A constant minority of critics (10-20%) from launch to the end, "
                 "never a hijack.", critic_share=(0.12, 0.22)),
    )
}

DEFAULT_SCENARIO = "demo"


@dataclass(frozen=True)
class Timeline:
    """The random parameters of one stream, drawn once per seed."""

    base_rate: float
    critic_share: float
    onset: float | None
    rise: float
    hostile_boost: float
    final_share: float
    viral_at: float | None
    viral_boost: float
    hours: float

    def diurnal(self, minute: float) -> float:
        """Activity by local hour for a campaign launched at 2 p.m.: full by day, a third at night."""
        local = (14.0 + minute / 60.0) % 24.0
        for (h0, a0), (h1, a1) in pairwise(_DAY_KNOTS):
            if h0 <= local <= h1:
                return a0 + (a1 - a0) * (local - h0) / (h1 - h0)
        return 1.0

    def friendly_rate(self, minute: float) -> float:
        """Supportive originals per minute: ramp after launch, slow loss of interest, viral boost."""
        ramp = 1.0 - math.exp(-minute / 15.0)
        interest = math.exp(-minute / 900.0)
        boost = 1.0
        if self.viral_at is not None and minute >= self.viral_at:
            boost += (self.viral_boost - 1.0) * _rise(minute - self.viral_at, self.rise) * _fade(
                minute - self.viral_at, 360.0)
        if self.onset is not None and minute >= self.onset:
            boost += 0.5 * _rise(minute - self.onset, self.rise)  # defenders show up too
        return self.base_rate * ramp * interest * boost * self.diurnal(minute)

    def critic_rate(self, minute: float) -> float:
        """Hostile originals per minute from the campaign's ordinary critics (a fixed share)."""
        share = self.critic_share
        if self.onset is not None and self.final_share > 0 and minute >= self.onset and self.rise > 45:
            share += (self.final_share - share) * min(1.0, (minute - self.onset) / self.rise)
        return self.friendly_rate(minute) * share / (1.0 - share)

    def hijack_rate(self, minute: float, recent_hostile_reposts: int) -> float:
        """Hostile originals per minute of a sudden hijack: a rise after the trigger, fading over hours,
        plus new originals excited by the hostile reposts of the last minutes."""
        if self.onset is None or minute < self.onset or self.rise > 45:
            return 0.0
        x = minute - self.onset
        envelope = self.base_rate * self.hostile_boost * _rise(x, self.rise) * _fade(x, 300.0)
        return (envelope + 0.01 * recent_hostile_reposts) * self.diurnal(minute)


_DAY_KNOTS = ((0.0, 0.45), (1.0, 0.3), (6.0, 0.3), (8.0, 1.0), (23.0, 1.0), (24.0, 0.45))


def _rise(x: float, tau: float) -> float:
    return 1.0 - math.exp(-max(x, 0.0) / tau)


def _fade(x: float, tau: float) -> float:
    return math.exp(-max(x, 0.0) / tau)


def draw_timeline(spec: Scenario, rng: random.Random, hours: float, scale: float) -> Timeline:
    """The random parameters of one stream of `spec`."""
    onset = rng.uniform(*spec.onset_minutes) if spec.hijack else None
    viral = spec.viral_boost[1] > 1.0
    return Timeline(
        base_rate=0.6 * spec.volume * scale * rng.uniform(0.8, 1.25),
        critic_share=rng.uniform(*spec.critic_share),
        onset=onset,
        rise=rng.uniform(*spec.rise_minutes),
        hostile_boost=rng.uniform(*spec.hostile_boost),
        final_share=rng.uniform(0.6, 0.75) if spec.hijack == "gradual" else 0.0,
        viral_at=rng.uniform(60.0, 180.0) if viral else None,
        viral_boost=rng.uniform(*spec.viral_boost),
        hours=hours,
    )

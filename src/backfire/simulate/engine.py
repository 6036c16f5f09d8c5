"""Run a scenario minute by minute into a list of `Event`s: originals, the trigger, their cascades."""

from __future__ import annotations

import math
import random

from backfire.simulate.cascade import Event, Spread, grow, poisson
from backfire.simulate.people import Account, Crowd
from backfire.simulate.profiles import Profile
from backfire.simulate.scenarios import CRITIC_MIX, Scenario, Timeline
from backfire.simulate.texts import alt_text, compose, media_url

#: Photo probability per text kind (the rest are text only).
PHOTO_SHARE = {"support": 0.65, "sarcastic": 0.7, "hostile": 0.5, "mock_ad": 0.4, "service_parody": 0.3,
               "copycat": 0.5}


class Run:
    """The mutable state of one simulated stream while it is generated."""

    def __init__(self, spec: Scenario, profile: Profile, timeline: Timeline, rng: random.Random,
                 scale: float = 1.0) -> None:
        self.spec, self.profile, self.tl, self.rng, self.scale = spec, profile, timeline, rng, scale
        self.crowd = Crowd(rng)
        self.events: list[Event] = []
        self.horizon = timeline.hours * 60.0
        self.hostile_reposts = [0] * (int(self.horizon) + 2)
        self.spread = Spread()
        self.owner = Account(profile.owner, int(rng.uniform(150_000, 600_000)), "owner")
        self.trigger: Account | None = None

    # -- the stream, minute by minute -------------------------------------------------------------
    def play(self) -> list[Event]:
        """Every event of the stream (unsorted)."""
        self.launch()
        for minute in range(int(self.horizon)):
            self.step(minute)
        return self.events

    def launch(self) -> None:
        text = (f"Do you have a photo with our {self.profile.people[0]}? Post it with #{self.profile.tag} "
                f"and it may be featured on our page!")
        self.add(Event(0.1, self.owner, "support", text, False), appeal=1.0)

    def step(self, minute: int) -> None:
        tl, rng = self.tl, self.rng
        if tl.onset is not None and minute == int(tl.onset):
            self.post_trigger(tl.onset)
        if tl.viral_at is not None and minute == int(tl.viral_at):
            self.post_celebrity(tl.viral_at)
        for _ in range(poisson(tl.friendly_rate(minute), rng)):
            kind = "neutral" if rng.random() < 0.12 else "support"
            self.original(minute, kind, self.crowd.pick("supporter"))
        gradual = tl.onset is not None and tl.rise > 45 and minute >= tl.onset
        mix = dict(self.spec.hostile_mix) if gradual else CRITIC_MIX
        for _ in range(poisson(tl.critic_rate(minute), rng)):
            self.original(minute, _weighted(mix, rng), self.crowd.pick("critic", reuse=0.5), 1.3)
        recent = sum(self.hostile_reposts[max(0, minute - 10) : minute])
        for _ in range(poisson(tl.hijack_rate(minute, recent), rng)):
            kind = _weighted(dict(self.spec.hostile_mix), rng)
            self.original(minute, kind, self.crowd.pick("hostile", reuse=0.3), 1.4)
        if minute % 20 == 7:
            self.owner_repost(minute)

    # -- single posts ------------------------------------------------------------------------------
    def original(self, minute: float, kind: str, author: Account, appeal_scale: float = 1.0) -> None:
        t = minute + self.rng.random()
        self.add(self.make(t, kind, author), appeal=appeal_scale * math.exp(self.rng.gauss(0.0, 0.8)))

    def make(self, t: float, kind: str, author: Account) -> Event:
        hostile = kind not in ("support", "neutral", "reply_defend")
        text = compose(kind, self.profile, self.rng)
        media = None
        if self.rng.random() < PHOTO_SHARE.get(kind, 0.0):
            media = (media_url(self.rng), alt_text(self.profile, hostile, self.rng))
        return Event(t, author, kind, text, hostile, media=media)

    def post_trigger(self, t: float) -> None:
        """The activist's post that turns the tag: sarcastic praise over a photo of force."""
        lo, hi = self.spec.trigger_followers
        self.trigger = self.crowd.new("activist", int(math.exp(self.rng.uniform(math.log(lo), math.log(hi)))))
        kind = "copycat" if dict(self.spec.hostile_mix).get("copycat", 0) >= 0.5 else (
            "sarcastic" if self.spec.hijack == "sudden" else "hostile")
        event = self.make(t, kind, self.trigger)
        event.media = (media_url(self.rng), alt_text(self.profile, True, self.rng))
        reposts = int(self.rng.uniform(*self.spec.trigger_reposts) * self.scale)
        self.add(event, appeal=3.0, direct=max(reposts, 5), delay=8.0)

    def post_celebrity(self, t: float) -> None:
        """A celebrity joins a campaign that goes well: a big friendly cascade."""
        star = self.crowd.new("celebrity", int(math.exp(self.rng.uniform(math.log(2e5), math.log(3e6)))))
        reposts = int(self.rng.uniform(200, 500) * self.scale)
        self.add(self.make(t, "support", star), appeal=3.0, direct=reposts, delay=8.0)

    def owner_repost(self, minute: int) -> None:
        """The owner shares a recent friendly post (excluded by the detector, kept for realism)."""
        recent = [i for i, e in enumerate(self.events[-200:]) if e.kind == "support" and e.relation == "original"
                  and e.author is not self.owner and e.t <= minute]
        if recent:
            i = len(self.events) - min(200, len(self.events)) + self.rng.choice(recent)
            src = self.events[i]
            self.events.append(Event(minute + self.rng.random(), self.owner, src.kind, src.text, False,
                                     "repost", i, src.media))

    def add(self, event: Event, appeal: float, direct: int | None = None, delay: float | None = None) -> None:
        """Append `event` and grow its cascade, counting the hostile reposts per minute."""
        if event.t > self.horizon:
            return
        self.events.append(event)
        root, before = len(self.events) - 1, len(self.events)
        spread = self.spread if delay is None else Spread(delay_median=delay, delay_sigma=0.9)
        grow(self.events, root, appeal, self.rng, spread, self.pick, self.respond, self.horizon, direct)
        for e in self.events[before:]:
            if e.hostile and e.relation == "repost":
                self.hostile_reposts[int(e.t)] += 1

    # -- callbacks for the cascades ---------------------------------------------------------------
    def pick(self, hostile: bool) -> Account:
        return self.crowd.pick("amplifier-h" if hostile else "amplifier-s", reuse=0.3)

    def respond(self, parent: Event, rng: random.Random) -> tuple[str, str, bool]:
        """The text of a quote or reply to `parent`: mostly agreeing with it."""
        if parent.hostile:
            kind = "reply_agree" if rng.random() < 0.7 else ("sarcastic" if rng.random() < 0.35 else "reply_defend")
        elif parent.kind == "neutral":
            kind = "neutral"
        else:
            kind = "support" if rng.random() < 0.6 else "reply_defend"
        text = compose(kind, self.profile, rng)
        return kind, f"@{parent.author.handle} {text}", kind != "reply_defend" and kind not in ("support", "neutral")


def _weighted(mix: dict[str, float], rng: random.Random) -> str:
    kinds = sorted(mix)
    return rng.choices(kinds, weights=[mix[k] for k in kinds])[0]

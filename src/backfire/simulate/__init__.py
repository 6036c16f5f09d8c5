"""Rehearse: realistic simulated campaign streams with known ground truth.

>>> sim = generate("mynypd", seed=1, hours=4)
>>> sim.truth.hijacked, sim.truth.campaign.tags
(True, ['myNYPD'])
>>> sim.posts == sorted(sim.posts, key=lambda p: p.created_at)
True
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from backfire.model import Author, Campaign, Media, Post
from backfire.simulate.cascade import Event
from backfire.simulate.engine import Run
from backfire.simulate.profiles import PROFILES, Profile
from backfire.simulate.scenarios import DEFAULT_SCENARIO, SCENARIOS, Scenario, draw_timeline
from backfire.simulate.texts import HOSTILE_KINDS, SARCASTIC_KINDS

__all__ = ["DEFAULT_SCENARIO", "PROFILES", "SCENARIOS", "Label", "Simulation", "Truth", "generate",
           "write_simulation"]

_TAG = re.compile(r"#(\w+)")
_MENTION = re.compile(r"@(\w+)")
_STARTS = {"police": datetime(2014, 4, 22, 18, 0, tzinfo=UTC)}
_DEFAULT_START = datetime(2024, 5, 14, 13, 0, tzinfo=UTC)


class Truth(BaseModel):
    """What really happened in a simulated stream."""

    scenario: str
    seed: int
    campaign: Campaign
    hijacked: bool
    onset: datetime | None = None
    trigger_accounts: list[str] = Field(default_factory=list)
    description: str = ""
    params: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Label:
    """The true stance of one simulated post (reposts carry their original's)."""

    stance: str  # support | neutral | hostile
    sarcastic: bool
    kind: str


@dataclass
class Simulation:
    """A simulated stream: time-ordered posts, the ground truth, and each post's true label."""

    posts: list[Post]
    truth: Truth
    labels: dict[str, Label]

    @property
    def campaign(self) -> Campaign:
        return self.truth.campaign

    def truth_json(self) -> str:
        """The ground truth as indented JSON (written beside a simulated archive)."""
        return self.truth.model_dump_json(indent=2)


def generate(scenario: str = DEFAULT_SCENARIO, seed: int = 0, *, hours: float = 24.0, scale: float = 1.0,
             profile: str | None = None, platform: str = "twitter", start: datetime | None = None) -> Simulation:
    """Simulate one campaign stream of `scenario` (see `SCENARIOS`), deterministic for `seed`.

    `hours` is the stream's length, `scale` multiplies every rate (volume), `profile` picks the kind of
    organiser (police, airline, food, bank, city; by default the scenario's own or one drawn per seed).
    """
    spec = _scenario(scenario)
    rng = random.Random(f"backfire:{spec.name}:{seed}")
    prof = PROFILES[profile or spec.profile or rng.choice(sorted(PROFILES))]
    timeline = draw_timeline(spec, rng, hours, scale)
    run = Run(spec, prof, timeline, rng, scale)
    events = run.play()
    launched = start or _STARTS.get(prof.kind, _DEFAULT_START)
    posts, labels = _to_posts(events, launched, platform)
    truth = Truth(
        scenario=spec.name, seed=seed, campaign=_campaign(prof, launched), hijacked=spec.hijack is not None,
        onset=None if timeline.onset is None else launched + timedelta(seconds=round(timeline.onset * 60)),
        trigger_accounts=[run.trigger.handle] if run.trigger and spec.hijack else [],
        description=spec.description,
        params={"profile": prof.kind, "platform": platform, **asdict(timeline)},
    )
    return Simulation(posts=posts, truth=truth, labels=labels)


#: The platform whose posts a file format holds, where it is not Twitter's.
FORMAT_PLATFORM = {"jetstream": "bluesky", "mastodon": "mastodon"}


def dates_fit(sim: Simulation, platform: str) -> bool:
    """Whether `sim` starts after `platform` existed (its readers quarantine impossibly early posts)."""
    from backfire.sources._common import PLATFORM_START

    start = PLATFORM_START.get(platform)
    return start is None or not sim.posts or sim.posts[0].created_at >= start  # posts are in time order


def write_simulation(scenario: str, seed: int, path: str | Path, format: str = "twitter-v2",
                     **params: Any) -> tuple[Simulation, Path]:
    """Generate a stream and write it to `path` in `format` (any format `backfire.sources` writes), with
    its ground truth as JSON in `path` + ".truth.json". Returns the simulation and the truth's path.

    The truth names accounts as the file does: in a format that names them its own way (Jetstream's
    DIDs: `backfire.sources.jetstream.account`), the trigger accounts and the campaign's owner are
    written in that form, so that they compare with what `backfire detect` reports on the file."""
    from backfire.sources import FORMATS, write_posts

    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(sorted(FORMATS))}")
    sim = generate(scenario, seed, **params)
    if params.get("start") is None and not dates_fit(sim, FORMAT_PLATFORM.get(format, "twitter")):
        sim = generate(scenario, seed, **{**params, "start": _DEFAULT_START})  # a 2014 replay as Bluesky posts
    write_posts(sim.posts, path, format)
    truth_path = Path(f"{path}.truth.json")
    truth = truth_as_written(sim.truth, getattr(FORMATS[format], "account", None))
    truth_path.write_text(truth.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return sim, truth_path


def truth_as_written(truth: Truth, account: Callable[[str], str] | None) -> Truth:
    """`truth` with its accounts named as `account` names them in a file (unchanged without one)."""
    if account is None:
        return truth
    campaign = truth.campaign.model_copy(update={"owners": [account(o) for o in truth.campaign.owners]})
    return truth.model_copy(update={"campaign": campaign,
                                    "trigger_accounts": [account(a) for a in truth.trigger_accounts]})


def _scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(sorted(SCENARIOS))}") from None


def _campaign(prof: Profile, launched: datetime) -> Campaign:
    return Campaign(name=prof.tag, tags=[prof.tag], owners=[prof.owner], launched_at=launched,
                    intent=prof.intent)


def _to_posts(events: list[Event], launched: datetime, platform: str) -> tuple[list[Post], dict[str, Label]]:
    """Sort events by time, give them time-ordered ids, and build `Post`s with their labels."""
    order = sorted(range(len(events)), key=lambda i: events[i].t)
    ids: dict[int, str] = {}
    for rank, i in enumerate(order):
        ms = round(events[i].t * 60_000)
        ids[i] = str(456_000_000_000_000_000 + ms * 4096 + rank % 4096)
    posts: list[Post] = []
    labels: dict[str, Label] = {}
    for i in order:
        e = events[i]
        post = _post(e, ids[i], ids.get(e.parent) if e.parent is not None else None, events, launched, platform)
        posts.append(post)
        stance = "neutral" if e.kind == "neutral" else "support"
        if e.kind in HOSTILE_KINDS and e.hostile:
            stance = "hostile"
        labels[post.id] = Label(stance=stance, sarcastic=e.kind in SARCASTIC_KINDS, kind=e.kind)
    return posts, labels


def _post(e: Event, pid: str, parent_id: str | None, events: list[Event], launched: datetime,
          platform: str) -> Post:
    author = Author(handle=e.author.handle, id=str(zlib.crc32(e.author.handle.encode())),
                    name=e.author.handle, followers=e.author.followers)
    mentions = _MENTION.findall(e.text)
    if e.relation == "repost" and e.parent is not None:
        mentions = [events[e.parent].author.handle, *mentions]
    return Post(
        id=pid, platform=platform, author=author,
        created_at=launched + timedelta(seconds=round(e.t * 60)),
        text=e.text, hashtags=_TAG.findall(e.text), mentions=list(dict.fromkeys(mentions)),
        media=[Media(url=e.media[0], type="image", alt=e.media[1])] if e.media else [],
        repost_of=parent_id if e.relation == "repost" else None,
        quote_of=parent_id if e.relation == "quote" else None,
        reply_to=parent_id if e.relation == "reply" else None,
        lang="en",
    )

"""Replay a campaign's stored verdicts through the hijack detector, keeping what explanation needs.

The detector already reads the stream the way the explanation must: it links retweets written as text
("RT @x: ...", `warn/retweets.py`) and unlinked answers opening with @mentions (`warn/attribution.py`)
to the posts they repeat or answer, learns the calm hostile level and finds the change point. Replaying
it (with its trigger board unbounded and its links kept) gives the cascade graph, the onset and trigger
attribution from one implementation, the one the alarms use.

>>> from backfire.simulate import generate
>>> from backfire.simulate.oracle import PerfectReader
>>> sim = generate("mynypd", seed=3, hours=5)
>>> r = replay(list(zip(sim.posts, PerfectReader(sim.labels).predict_many(sim.posts))), sim.campaign)
>>> r.onset is not None and abs((r.onset - sim.truth.onset).total_seconds()) < 3600
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from backfire.model import NOTHING_TO_JUDGE, Alarm, Campaign, Post, Verdict
from backfire.warn.attribution import Threads
from backfire.warn.detector import HijackDetector

Pair = tuple[Post, Verdict | None]


@dataclass
class Replay:
    """A campaign's stream as the detector read it: the posts with their verdicts, each post's parent
    (`links`: what it reposts or answers, by link or by the detector's reading), the alarms, the onset
    (the first alarm's change point; None without an alarm), the calm hostile level then (`base`) and
    the trigger board."""

    campaign: Campaign
    pairs: list[Pair]
    links: dict[str, str]
    alarms: list[Alarm]
    onset: datetime | None
    base: float
    board: Threads
    by_id: dict[str, Post] = field(default_factory=dict)

    @property
    def start(self) -> datetime | None:
        return self.pairs[0][0].created_at if self.pairs else None

    @property
    def end(self) -> datetime | None:
        return self.pairs[-1][0].created_at if self.pairs else None

    def relation(self, post: Post) -> str | None:
        """How `post` is linked to its parent: repost, quote, reply, or answer (an unlinked post opening
        with @mentions that the detector read as an answer); None for an original."""
        if post.id not in self.links:
            return None
        if post.repost_of is not None or post.text.lstrip().upper().startswith("RT @"):
            return "repost"
        if post.quote_of is not None:
            return "quote"
        return "reply" if post.reply_to is not None else "answer"


def replay(pairs: Sequence[Pair], campaign: Campaign, **detector_options: float) -> Replay:
    """Run the default detector over `pairs` (time order) with its links kept; see the module doc."""
    det = HijackDetector(campaign, board_limit=10**9, keep_links=True, **detector_options)  # type: ignore[arg-type]
    unjudged = Verdict(post_id="", stance="neutral", p_hostile=0.0, reason=NOTHING_TO_JUDGE)
    for post, verdict in pairs:
        det.update(post, verdict or unjudged.model_copy(update={"post_id": post.id}))
    by_id = {post.id: post for post, _ in pairs}
    links = dict(det.links)
    for post, _ in pairs:  # the owner's posts and unjudged ones never reach the board: their own links
        parent = post.repost_of or post.quote_of or post.reply_to
        if post.id not in links and parent is not None and parent in by_id:
            links[post.id] = parent
    onset, base = det.changes[0] if det.changes else (None, det.baseline)
    return Replay(campaign, list(pairs), links, list(det.alarms), onset, base, det.board, by_id)

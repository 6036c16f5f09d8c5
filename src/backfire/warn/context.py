"""How hostile a post is in its thread: an answer that takes no side goes along with what it answers.

A classifier judges each post alone, as a stance toward the campaign: hostile (`p_hostile`), supportive
(`p_support`) or neither. A repost already inherits its original's verdict. An answer (a quote or a reply)
whose own text takes no side, such as "Saving this before they delete it" under a hostile post, is read
as neutral, which made the hostile threads of a hijack look calmer than the stream around them. Here
the neutral part of an answer's verdict takes its parent's side:

    p = p_hostile + (1 - p_hostile - p_support) * side(parent)

where `side(parent)` is the parent's hostility revised by the answers that do take a side, the parent's
own reading worth `prior_weight` of them:

    side = (prior_weight * p_parent + sum p_hostile) / (prior_weight + sum (p_hostile + p_support))

so a friendly post the classifier misread (its answers support the campaign) passes on little, and a
hostile one whose answers agree with it passes on more. A classifier whose three probabilities leave no
neutral mass (`p_support = 1 - p_hostile`) is read unchanged. Originals, reposts and answers to posts
never seen keep their own `p_hostile`.

`HijackDetector(answer_context=True)` uses it; it is off by default. With the project's classifier on
simulated development streams (8 h; 30 hijacks, 28 controls, verdicts cached) it raised detection
within 60 min from 77% to 90% and cut the median delay from 21 to 10 min, but alarmed 2 of the 28
controls (none without it), both viral successes, at every false-alarm rate down to 0.01 a day: once a
celebrity's friendly post misread as hostile (its answers then echo the misreading), once the answers
defending the campaign under critics' posts (read as taking no side, so counted with the critics).
An answer mostly repeats the verdict of the post it answers; counted as independent evidence, a thread
weighs like one very confident post, for a hijack's trigger and a misread celebrity alike. Discounting
the k-th answer to a post by 1/sqrt(k), as reposts are, removed the gain and not the false alarm.
Measured again on the detector as it is now (real posts, 8 h, development seeds; 90 hijacks, 180
controls, cascaded): detection within 60 min 85 of 90 against 83, median delay 5.6 against 7.0 min,
but 7 of 180 controls alarmed against 4, all but one viral successes. On streams without reply links
(`--flat`) it changes nothing: there is no thread to read.

>>> from datetime import datetime, UTC
>>> from backfire.model import Author, Post, Verdict
>>> t = datetime(2014, 4, 22, 20, tzinfo=UTC)
>>> seed = Post(id="1", platform="x", author=Author(handle="a"), created_at=t, text="Such gentle police")
>>> reply = Post(id="2", platform="x", author=Author(handle="b"), created_at=t, text="Saving this", reply_to="1")
>>> ctx = Context()
>>> ctx.read(seed, Verdict(post_id="1", stance="hostile", p_hostile=0.9, p_support=0.02))
0.9
>>> round(ctx.read(reply, Verdict(post_id="2", stance="neutral", p_hostile=0.1, p_support=0.1)), 3)
0.808
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from backfire.model import Post, Verdict
from backfire.warn.reach import bound


@dataclass
class Node:
    """A post that may be answered: its hostility in context and the sided parts of its answers."""

    p: float
    hostile: float = 0.0  # sum of the answers' p_hostile
    sided: float = 0.0  # sum of the answers' p_hostile + p_support

    def side(self, prior_weight: float) -> float:
        return (prior_weight * self.p + self.hostile) / (prior_weight + self.sided)


class Context:
    """Each post's p_hostile in its thread (see the module doc), for the `limit` most recent posts."""

    def __init__(self, prior_weight: float = 5.0, limit: int = 20_000, enabled: bool = True) -> None:
        self.prior_weight = prior_weight
        self.limit = limit
        self.enabled = enabled
        self.nodes: OrderedDict[str, Node] = OrderedDict()

    def read(self, post: Post, verdict: Verdict) -> float:
        """`post`'s p_hostile in context (clipped to [0.01, 0.99]); call once per post, in stream order."""
        p = min(0.99, max(0.01, verdict.p_hostile))
        if not self.enabled or post.repost_of is not None:
            return p
        parent_id = post.quote_of or post.reply_to
        parent = self.nodes.get(parent_id) if parent_id is not None else None
        if parent is not None:
            parent.hostile += verdict.p_hostile
            parent.sided += verdict.p_hostile + verdict.p_support
            neutral = max(0.0, 1.0 - verdict.p_hostile - verdict.p_support)
            p = min(0.99, p + neutral * parent.side(self.prior_weight))
        self.nodes[post.id] = Node(p)
        bound(self.nodes, self.limit)
        return p

"""Which posts are safe to feature: the curation queue's candidates, and why every other post is not.

A candidate reads as support (or a reviewer said so) with a low `p_hostile` and a high `p_support`, is
not sarcastic (a strict bound: the classifier scores most sarcastic praise of a hijack between 0.2 and
0.5), not offensive, not an answer in someone else's conversation (a reply to, or a post opening with
@, an account other than the organiser: during a hijack "the campaign is going great, @org" answers a
hostile post), not a repost (the original is the one to feature), not the organiser's own, not by an account
that drove the hijack (the explain layer's triggers and top hostile amplifiers), and not in a hostile
thread (no hostile post above it in the cascade, and its thread's posts not mostly hostile). Deleted
posts never reach this function (`Store.posts` leaves them out).

>>> from backfire.simulate import generate
>>> from backfire.simulate.oracle import PerfectReader
>>> sim = generate("mynypd", seed=3, hours=5)
>>> pairs = list(zip(sim.posts, PerfectReader(sim.labels).predict_many(sim.posts)))
>>> chosen = select(pairs, sim.campaign)
>>> truth = {p.id: sim.labels[p.id] for p in sim.posts}
>>> chosen.candidates and all(truth[c.post.id].stance == "support" for c in chosen.candidates)
True
>>> sim.truth.trigger_accounts[0] in chosen.drivers
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from backfire.explain.graph import cascade_graph
from backfire.explain.network import amplifiers
from backfire.explain.replay import Pair, replay
from backfire.explain.triggers import attribute
from backfire.model import Campaign, Post, Verdict


@dataclass(frozen=True)
class Rules:
    """The thresholds a candidate must meet. `top`: how many trigger and amplifier accounts are drivers.
    `thread_share`: a thread whose posts are at least this share hostile is a hostile thread.
    `answers`: whether answers to accounts other than the organiser may be candidates.

    The bounds were set by `benchmarks/curate_safety.py` with the shipped classifier: with the former
    ones (p_support unbounded, sarcasm < 0.5, answers allowed) 7-12 of the first 100 queued posts of a
    simulated hijack were truly hostile, and 23% of the queue of apple.csv was not labelled positive."""

    max_hostile: float = 0.2
    min_support: float = 0.8
    max_sarcasm: float = 0.25
    max_offensive: float = 0.5
    top: int = 10
    thread_share: float = 0.5
    answers: bool = False


@dataclass(frozen=True)
class Candidate:
    post: Post
    verdict: Verdict | None
    risk: float


@dataclass
class Selection:
    """The candidates (safest first), each excluded post's reason by key, and the hijack's drivers
    (account -> (role, the explain layer's figures))."""

    candidates: list[Candidate] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)
    drivers: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)


def risk(verdict: Verdict | None) -> float:
    """How risky a post is to feature: p_hostile, plus half its sarcasm and offensiveness scores."""
    if verdict is None:
        return 1.0
    return round(verdict.p_hostile + 0.5 * verdict.sarcasm + 0.5 * verdict.offensive, 4)


def hijack_drivers(g: nx.DiGraph, triggers: dict[str, Any], top: int) -> dict[str, tuple[str, dict[str, Any]]]:
    """Trigger accounts and top hostile amplifiers (the explain layer's figures for each); an amplifier
    counts only if it posted something hostile itself (answering a hostile post kindly is not amplifying)."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    hostile_authors = {d["author"] for _, d in g.nodes(data=True) if d["stance"] == "hostile"}
    for row in amplifiers(g, top):
        if row["account"] in hostile_authors:
            out[row["account"]] = ("amplifier", row)
    for row in triggers["accounts"][:top]:
        out[row["account"]] = ("trigger", row)
    return out


def hostile_threads(g: nx.DiGraph, share: float) -> set[str]:
    """Posts under a hostile post, or in a thread (an original and everything under it) of three posts or
    more whose posts are at least `share` hostile."""
    under_hostile: set[str] = set()
    size: dict[str, int] = {}
    hostile: dict[str, int] = {}
    order = list(nx.topological_sort(g))
    for node in order:
        parents = list(g.predecessors(node))
        if parents and (parents[0] in under_hostile or g.nodes[parents[0]]["stance"] == "hostile"):
            under_hostile.add(node)
    for node in reversed(order):
        size[node] = 1 + sum(size[c] for c in g.successors(node))
        hostile[node] = int(g.nodes[node]["stance"] == "hostile") + sum(hostile[c] for c in g.successors(node))
    marked = set(under_hostile)
    for root in (n for n in order if g.in_degree(n) == 0):
        if size[root] >= 3 and hostile[root] / size[root] >= share:
            marked |= nx.descendants(g, root) | {root}
    return marked


def _why_not(post: Post, verdict: Verdict | None, label: str | None, rules: Rules) -> str | None:
    if post.is_repost:
        return "a repost (its original is the one to feature)"
    if verdict is None or not verdict.judged:
        return "not classified yet"
    if label is not None and label != "support":
        return f"a reviewer read it as {label}"
    if label is None and verdict.stance != "support":
        return f"read as {verdict.stance}"
    if label is None and verdict.p_hostile > rules.max_hostile:
        return f"p_hostile {verdict.p_hostile:.2f} above {rules.max_hostile:.2f}"
    if label is None and verdict.p_support < rules.min_support:
        return f"p_support {verdict.p_support:.2f} below {rules.min_support:.2f}"
    if verdict.sarcasm >= rules.max_sarcasm:
        return f"sarcastic ({verdict.sarcasm:.2f})"
    if verdict.offensive >= rules.max_offensive:
        return f"offensive ({verdict.offensive:.2f})"
    return None


_LEADING = re.compile(r"^\s*((?:[@＠][\w.:-]+[\s,]*)+)")


def answered(post: Post, campaign: Campaign, authors: Mapping[str, str]) -> str | None:
    """The account other than the organiser that `post` answers: the author of the post it replies to
    (`authors`: post id -> author handle), else the first non-organiser handle it opens with.

    >>> from datetime import UTC, datetime
    >>> from backfire.model import Author
    >>> c = Campaign.for_tag("AAPL", owner="Apple")
    >>> p = Post(id="1", platform="csv", author=Author(handle="ann"), created_at=datetime(2024, 1, 1, tzinfo=UTC),
    ...          text="@bob the campaign is going great, @Apple")
    >>> answered(p, c, {}), answered(p.model_copy(update={"text": "@Apple love it"}), c, {})
    ('bob', None)
    """
    if post.reply_to is not None and (parent := authors.get(post.reply_to)) is not None:
        return None if campaign.is_owner(parent) or parent == post.author.handle else parent
    if (m := _LEADING.match(post.text or "")) is None:
        return None
    for handle in re.findall(r"[@＠]([\w.:-]+)", m.group(1)):
        if not campaign.is_owner(handle.rstrip(".:")):
            return handle.rstrip(".:")
    return None


def select(pairs: Sequence[Pair], campaign: Campaign, rules: Rules | None = None,
           labels: Mapping[str, str] | None = None) -> Selection:
    """The campaign's curation candidates among `pairs` (time order); `labels`: reviewers' stances by key."""
    rules = rules or Rules()
    labels = labels or {}
    r = replay(pairs, campaign)
    g = cascade_graph(r)
    drivers = hijack_drivers(g, attribute(r, g, rules.top), rules.top)
    threads = hostile_threads(g, rules.thread_share)
    out = Selection(drivers=drivers)
    authors = {post.id: post.author.handle for post, _ in pairs}
    for post, verdict in pairs:
        reason = _why_not(post, verdict, labels.get(post.key), rules)
        if reason is None and campaign.is_owner(post.author.handle):
            reason = "the organiser's own post"
        if reason is None and post.author.handle in drivers:
            role = drivers[post.author.handle][0]
            reason = f"by @{post.author.handle}, {'an' if role[0] in 'aeiou' else 'a'} {role} of the hijack"
        if reason is None and post.id in threads:
            reason = "in a hostile thread"
        if reason is None and not rules.answers and labels.get(post.key) is None \
                and (other := answered(post, campaign, authors)) is not None:
            reason = f"an answer to @{other} (someone else's conversation)"
        if reason is None:
            out.candidates.append(Candidate(post, verdict, risk(verdict)))
        else:
            out.excluded[post.key] = reason
    out.candidates.sort(key=lambda c: (c.risk, c.post.created_at))
    return out

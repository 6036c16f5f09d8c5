"""Which posts are safe to feature: the curation queue's candidates, and why every other post is not.

A candidate reads as support (or a reviewer said so) with a low `p_hostile`, is not sarcastic, not
offensive, not a repost (the original is the one to feature), not the organiser's own, not by an account
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
    `thread_share`: a thread whose posts are at least this share hostile is a hostile thread."""

    max_hostile: float = 0.2
    max_sarcasm: float = 0.5
    max_offensive: float = 0.5
    top: int = 10
    thread_share: float = 0.5


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
    if verdict.sarcasm >= rules.max_sarcasm:
        return f"sarcastic ({verdict.sarcasm:.2f})"
    if verdict.offensive >= rules.max_offensive:
        return f"offensive ({verdict.offensive:.2f})"
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
    for post, verdict in pairs:
        reason = _why_not(post, verdict, labels.get(post.key), rules)
        if reason is None and campaign.is_owner(post.author.handle):
            reason = "the organiser's own post"
        if reason is None and post.author.handle in drivers:
            role = drivers[post.author.handle][0]
            reason = f"by @{post.author.handle}, {'an' if role[0] in 'aeiou' else 'a'} {role} of the hijack"
        if reason is None and post.id in threads:
            reason = "in a hostile thread"
        if reason is None:
            out.candidates.append(Candidate(post, verdict, risk(verdict)))
        else:
            out.excluded[post.key] = reason
    out.candidates.sort(key=lambda c: (c.risk, c.post.created_at))
    return out

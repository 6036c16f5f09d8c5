"""The cascade graph (who spread whose post) and the account graph beside it, as networkx graphs.

Nodes of the cascade are posts, edges run from a post to each repost, quote and answer of it (with the
links the detector read: `replay.py`), so every post has at most one parent and the graph is a forest
in time order. Each node carries its author, time, stance, p_hostile and reach (the author's followers,
a median account when unknown), and `hostile_reach` = reach x p_hostile; `downstream` adds each post's
subtree. The account graph has an edge a -> b weighted by how often a reposted, quoted or answered b.

>>> from datetime import datetime, UTC
>>> from backfire.model import Author, Campaign, Post, Verdict
>>> t = datetime(2014, 4, 22, 20, tzinfo=UTC)
>>> def post(i, who, **kw): return Post(id=str(i), platform="x", author=Author(handle=who, followers=100),
...                                    created_at=t, text="Such gentle", **kw)
>>> def verdict(i): return Verdict(post_id=str(i), stance="hostile", p_hostile=1.0)
>>> from backfire.explain.replay import replay
>>> r = replay([(post(1, "a"), verdict(1)), (post(2, "b", repost_of="1"), verdict(2))], Campaign(name="c"))
>>> g = cascade_graph(r)
>>> list(g.edges(data="relation")), downstream(g)["1"]
([('1', '2', 'repost')], 200.0)
>>> account_graph(g)["b"]["a"]["weight"]
1
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from backfire.explain.replay import Replay
from backfire.warn.reach import MEDIAN_FOLLOWERS


def _iso(value: Any) -> str:
    return str(value.isoformat().replace("+00:00", "Z"))


def cascade_graph(r: Replay) -> nx.DiGraph:
    """The post-level cascade of the replayed stream (see the module doc)."""
    g = nx.DiGraph(campaign=r.campaign.name)
    for post, verdict in r.pairs:
        followers = post.author.followers
        reach = float(MEDIAN_FOLLOWERS if followers is None else followers)
        p = verdict.p_hostile if verdict is not None and verdict.judged else 0.0
        g.add_node(post.id, author=post.author.handle, time=_iso(post.created_at), ts=post.created_at.timestamp(),
                   stance=verdict.stance if verdict is not None else "unclassified", p_hostile=round(p, 4),
                   reach=reach, hostile_reach=reach * p, followers=followers or 0, text=post.text,
                   kind=r.relation(post) or "original", owner=r.campaign.is_owner(post.author.handle))
    for post, _ in r.pairs:
        parent = r.links.get(post.id)
        if parent is not None and parent in g and parent != post.id:
            g.add_edge(parent, post.id, relation=r.relation(post), time=_iso(post.created_at),
                       ts=post.created_at.timestamp(), stance=g.nodes[post.id]["stance"],
                       p_hostile=g.nodes[post.id]["p_hostile"])
    return g


def downstream(g: nx.DiGraph, attr: str = "reach") -> dict[str, float]:
    """Each post's `attr` plus that of everything downstream of it (its whole subtree)."""
    total = {n: float(g.nodes[n][attr]) for n in g}
    for node in reversed(list(nx.topological_sort(g))):
        for parent in g.predecessors(node):
            total[parent] += total[node]
    return total


def thread_root(g: nx.DiGraph, node: str) -> str:
    """The original a post's cascade starts from."""
    while True:
        parents = list(g.predecessors(node))
        if not parents:
            return node
        node = parents[0]


def account_graph(g: nx.DiGraph) -> nx.DiGraph:
    """Who reposts, quotes or answers whom: an edge a -> b per pair, weighted by how often, with the
    hostile share of those posts and the first time."""
    accounts = nx.DiGraph(campaign=g.graph.get("campaign"))
    for _, data in g.nodes(data=True):
        who = data["author"]
        if who not in accounts:
            accounts.add_node(who, posts=0, followers=data["followers"], first=data["time"], ts=data["ts"],
                              hostile=0.0, owner=data["owner"])
        accounts.nodes[who]["posts"] += 1
        accounts.nodes[who]["hostile"] += data["p_hostile"]
    for parent, child, data in g.edges(data=True):
        a, b = g.nodes[child]["author"], g.nodes[parent]["author"]
        if a == b:
            continue
        if accounts.has_edge(a, b):
            accounts[a][b]["weight"] += 1
            accounts[a][b]["hostile"] += data["p_hostile"]
        else:
            accounts.add_edge(a, b, weight=1, hostile=data["p_hostile"], first=data["time"], ts=data["ts"])
    for _, attrs in accounts.nodes(data=True):
        attrs["hostile_share"] = round(attrs.pop("hostile") / attrs["posts"], 4)
    for _, _, attrs in accounts.edges(data=True):
        attrs["hostile_share"] = round(attrs.pop("hostile") / attrs["weight"], 4)
    return accounts

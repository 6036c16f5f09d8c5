"""`explain`: everything the explanation layer says about a campaign's window, as JSON-ready data.

`backfire analyze --json`, the report and the dashboard render this one dict. Each part comes from a
small function taking the replayed stream (`replay.py`) or its graphs (`graph.py`).

>>> from backfire.simulate import generate
>>> from backfire.simulate.oracle import PerfectReader
>>> sim = generate("mynypd", seed=3, hours=5)
>>> pairs = list(zip(sim.posts, PerfectReader(sim.labels).predict_many(sim.posts)))
>>> data = explain(pairs, sim.campaign, narratives=False)
>>> data["triggers"]["accounts"][0]["account"] == sim.truth.trigger_accounts[0]
True
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import networkx as nx

from backfire.explain.graph import account_graph, cascade_graph, thread_root
from backfire.explain.narratives import Embed, bin_minutes_for, narratives
from backfire.explain.network import amplifiers, communities, coordination
from backfire.explain.onset import onset_changes
from backfire.explain.replay import Pair, Replay, replay
from backfire.explain.triggers import attribute
from backfire.model import Campaign
from backfire.store import Store

TREE_LIMIT = 600  # nodes of the trigger's tree kept for the picture (the earliest)


def load_pairs(store: Store, campaign: Campaign, since: datetime | None = None,
               until: datetime | None = None) -> list[Pair]:
    """The campaign's stored posts in time order within [since, until], each with its stored verdict."""
    verdicts = store.verdicts(campaign.name)
    pairs = []
    for post in store.posts(campaign.name, since=since):
        if until is not None and post.created_at > until:
            break
        pairs.append((post, verdicts.get(post.key)))
    return pairs


def campaign_graphs(store: Store, campaign: Campaign, since: datetime | None = None,
                    until: datetime | None = None) -> tuple[nx.DiGraph, nx.DiGraph]:
    """The cascade and account graphs of `campaign`'s stored posts in [since, until]."""
    g = cascade_graph(replay(load_pairs(store, campaign, since, until), campaign))
    return g, account_graph(g)


def explain_campaign(store: Store, campaign: Campaign, since: datetime | None = None,
                     until: datetime | None = None, **options: Any) -> dict[str, Any]:
    """`explain` over the stored posts of `campaign` in [since, until]."""
    data = explain(load_pairs(store, campaign, since, until), campaign, **options)
    data["window"]["since"], data["window"]["until"] = _iso(since), _iso(until)
    return data


def explain(pairs: Sequence[Pair], campaign: Campaign, *, top: int = 10, narratives: bool = True,
            embed: Embed | None = None) -> dict[str, Any]:
    """Cascade, triggers, amplifiers, communities, coordination, narratives and what changed at the
    onset of the (post, verdict) pairs of one campaign, in time order. `embed` turns texts into vectors
    for the narratives (the CLI passes the classifier's sentence embeddings; without it, TF-IDF + SVD)."""
    r = replay(pairs, campaign)
    g = cascade_graph(r)
    accounts = account_graph(g)
    triggers = attribute(r, g, top)
    stop = [*campaign.tags, *campaign.owners]
    return {
        "campaign": campaign.name,
        "window": {"first": _iso(r.start), "last": _iso(r.end), "posts": len(r.pairs)},
        "onset": triggers["onset"],
        "alarms": [a.contract_fields() for a in r.alarms],
        "cascade": cascade_summary(r, g, triggers),
        "accounts_graph": {"accounts": accounts.number_of_nodes(), "links": accounts.number_of_edges()},
        "triggers": triggers,
        "amplifiers": amplifiers(g, top),
        "communities": communities(accounts),
        "coordination": coordination(r.pairs),
        "narratives": stance_narratives(r, embed, stop) if narratives else None,
        "onset_changes": onset_changes(r.pairs, r.onset, stop),
    }


def stance_narratives(r: Replay, embed: Embed | None, stop: Sequence[str]) -> dict[str, Any]:
    """Narratives of the hostile posts and, apart, of the supportive ones (the owner's left out)."""
    bins = bin_minutes_for(r.start, r.end)
    out: dict[str, Any] = {"bin_minutes": bins, "start": _iso(r.start)}
    for stance in ("hostile", "support"):
        posts = [p for p, v in r.pairs if v is not None and v.stance == stance and v.judged
                 and not r.campaign.is_owner(p.author.handle)]
        out[stance] = narratives(posts, embed, stop=stop, bin_minutes=bins, start=r.start)
    return out


def cascade_summary(r: Replay, g: nx.DiGraph, triggers: dict[str, Any]) -> dict[str, Any]:
    """Sizes of the cascade graph and the first trigger's tree (for the picture)."""
    kinds: dict[str, int] = {}
    for _, kind in g.nodes(data="kind"):
        kinds[kind] = kinds.get(kind, 0) + 1
    first = triggers["posts"][0]["id"] if triggers["posts"] else None
    return {
        "posts": g.number_of_nodes(), "links": g.number_of_edges(), "kinds": kinds,
        "trigger_tree": tree(g, thread_root(g, first), r.onset) if first is not None and first in g else None,
    }


def tree(g: nx.DiGraph, root: str, onset: datetime | None, limit: int = TREE_LIMIT) -> dict[str, Any]:
    """The cascade under `root` (its earliest `limit` posts): per post its parent, minutes after the root,
    author, stance and reach, for drawing the tree over time."""
    nodes = sorted(nx.descendants(g, root) | {root}, key=lambda n: g.nodes[n]["ts"])
    t0 = g.nodes[root]["ts"]
    kept = set(nodes[:limit])
    return {
        "root": root, "author": g.nodes[root]["author"], "text": g.nodes[root]["text"],
        "size": len(nodes), "shown": len(kept),
        "onset_minutes": None if onset is None else round((onset.timestamp() - t0) / 60, 2),
        "nodes": [
            {"id": n, "parent": next(iter(g.predecessors(n)), None) if n != root else None,
             "minutes": round((g.nodes[n]["ts"] - t0) / 60, 2), "author": g.nodes[n]["author"],
             "stance": g.nodes[n]["stance"], "p_hostile": g.nodes[n]["p_hostile"],
             "followers": g.nodes[n]["followers"], "kind": g.nodes[n]["kind"]}
            for n in nodes[:limit]
        ],
    }


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat().replace("+00:00", "Z")

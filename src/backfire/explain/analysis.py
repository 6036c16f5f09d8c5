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

import contextlib
import ctypes
import gc
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import networkx as nx

from backfire.explain.compact import Rows
from backfire.explain.graph import account_graph, cascade_graph, thread_root
from backfire.explain.narratives import Doc, Embed, bin_minutes_for, distinct_docs, narratives_of
from backfire.explain.network import amplifiers, communities, coordination
from backfire.explain.onset import onset_changes
from backfire.explain.replay import Pair, Replay, replay
from backfire.explain.triggers import attribute
from backfire.model import Campaign
from backfire.store import Store

TREE_LIMIT = 600  # nodes of the trigger's tree kept for the picture (the earliest)


def load_pairs(store: Store, campaign: Campaign, since: datetime | None = None,
               until: datetime | None = None) -> list[Pair]:
    """The campaign's stored posts in time order within [since, until], each with its stored verdict,
    sharing what repeats among them (`compact.Rows`: a large campaign's rows take half the memory)."""
    rows = Rows()
    verdicts = store.verdicts(campaign.name)
    pairs: list[Pair] = []
    for post in store.posts(campaign.name, since=since, with_raw=False):
        if until is not None and post.created_at > until:
            break
        verdict = verdicts.pop(post.key, None)
        if verdict is not None:
            verdict = rows.verdict(verdict)
            if verdict.post_id == post.id:
                verdict.__dict__["post_id"] = post.id
        pairs.append((rows.post(post), verdict))
    return pairs


def campaign_graphs(store: Store, campaign: Campaign, since: datetime | None = None,
                    until: datetime | None = None) -> tuple[nx.DiGraph, nx.DiGraph]:
    """The cascade and account graphs of `campaign`'s stored posts in [since, until]."""
    g = cascade_graph(replay(load_pairs(store, campaign, since, until), campaign))
    return g, account_graph(g)


def explain_campaign(store: Store, campaign: Campaign, since: datetime | None = None,
                     until: datetime | None = None, *, top: int = 10, narratives: bool = True,
                     embed: Embed | None = None) -> dict[str, Any]:
    """`explain` over the stored posts of `campaign` in [since, until]. The posts are handed over, not
    kept here (no name holds them, and no `*args` tuple: a plain call passes its arguments on), so
    `explain` can let them go before the narratives load the encoder."""
    data = explain(load_pairs(store, campaign, since, until), campaign, top=top, narratives=narratives, embed=embed)
    data["window"]["since"], data["window"]["until"] = _iso(since), _iso(until)
    return data


def explain(pairs: Sequence[Pair], campaign: Campaign, *, top: int = 10, narratives: bool = True,
            embed: Embed | None = None) -> dict[str, Any]:
    """Cascade, triggers, amplifiers, communities, coordination, narratives and what changed at the
    onset of the (post, verdict) pairs of one campaign, in time order. `embed` turns texts into vectors
    for the narratives (the CLI passes the classifier's sentence embeddings; without it, TF-IDF + SVD)."""
    r = replay(pairs, campaign)
    del pairs  # from here on the replay holds the posts, and it is let go before the narratives
    stop = [*campaign.tags, *campaign.owners]
    data = graph_parts(r, top)
    data["coordination"] = coordination(r.pairs)
    data["narratives"] = None
    data["onset_changes"] = onset_changes(r.pairs, r.onset, stop)
    if narratives:
        # The posts and graphs go before the narratives load the encoder. What the narratives keep of
        # them is rebuilt from a serialised copy after the release: kept in place, those few small
        # objects would pin the heap pages of the 100,000 freed posts around them (a 100,000-post
        # campaign's peak: 1,005 MB kept in place, 924 MB rebuilt).
        blob = pickle.dumps(stance_docs(r))
        del r
        release_memory()
        grouped = pickle.loads(blob)
        del blob
        data["narratives"] = stance_narratives(grouped, embed, stop)
    return data


def graph_parts(r: Replay, top: int) -> dict[str, Any]:
    """The parts of `explain` read from the cascade and account graphs, which are dropped on return."""
    g = cascade_graph(r)
    accounts = account_graph(g)
    triggers = attribute(r, g, top)
    return {
        "campaign": r.campaign.name,
        "window": {"first": _iso(r.start), "last": _iso(r.end), "posts": len(r.pairs)},
        "onset": triggers["onset"],
        "alarms": [a.contract_fields() for a in r.alarms],
        "cascade": cascade_summary(r, g, triggers),
        "accounts_graph": {"accounts": accounts.number_of_nodes(), "links": accounts.number_of_edges()},
        "triggers": triggers,
        "amplifiers": amplifiers(g, top),
        "communities": communities(accounts),
    }


@dataclass
class StanceDocs:
    """What the narratives need of a replay: the window and each stance's posts grouped by distinct text."""

    start: datetime | None
    end: datetime | None
    docs: dict[str, list[Doc]]


def stance_docs(r: Replay) -> StanceDocs:
    """The hostile posts and, apart, the supportive ones (the owner's left out), grouped by text."""
    docs = {}
    for stance in ("hostile", "support"):
        posts = [p for p, v in r.pairs if v is not None and v.stance == stance and v.judged
                 and not r.campaign.is_owner(p.author.handle)]
        docs[stance] = distinct_docs(posts)
    return StanceDocs(r.start, r.end, docs)


def stance_narratives(grouped: StanceDocs, embed: Embed | None, stop: Sequence[str]) -> dict[str, Any]:
    """Narratives of the hostile posts and, apart, of the supportive ones."""
    bins = bin_minutes_for(grouped.start, grouped.end)
    out: dict[str, Any] = {"bin_minutes": bins, "start": _iso(grouped.start)}
    for stance, docs in grouped.docs.items():
        out[stance] = narratives_of(docs, embed, stop=stop, bin_minutes=bins, start=grouped.start)
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


def release_memory() -> None:
    """Collect cycles now and hand freed heap back to the system (glibc), so what loads next reuses it."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat().replace("+00:00", "Z")

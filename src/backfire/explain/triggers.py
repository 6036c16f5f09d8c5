"""Trigger attribution for any campaign and window: who seeded the hostile wave, and through which posts.

The ranking is the alarms' own (`warn.attribution.Threads.credits`, replayed in `replay.py`): each
original is judged with its reposts and answers, credited with the hostile reach it seeded over the
calm level and faded by its distance from the onset. Beside that score each result says, in plain
figures from the cascade graph, how many followers its cascade reached with hostile posts
(`downstream_hostile_reach`: followers x p_hostile, summed over the post and everything downstream),
the share of all the window's hostile reach from the onset on that this explains, and when it came
relative to the onset (minutes; negative = before).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import networkx as nx

from backfire.explain.graph import downstream
from backfire.explain.replay import Replay
from backfire.warn.attribution import Credit, best_per_account


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def attribute(r: Replay, g: nx.DiGraph, top: int = 10) -> dict[str, Any]:
    """The trigger accounts and posts of the replayed window, best first (see the module doc)."""
    since = r.onset or r.start
    if since is None:
        return {"onset": None, "basis": "no posts", "accounts": [], "posts": [], "total_hostile_reach": 0.0}
    credits = r.board.credits(since, r.base)
    hostile = downstream(g, "hostile_reach")
    cutoff = since - timedelta(minutes=r.board.lookback_minutes)
    total = sum(d["hostile_reach"] for _, d in g.nodes(data=True) if d["ts"] >= cutoff.timestamp()) or 1.0
    posts = sorted((c for c in credits if c.score > 0), key=lambda c: (-c.score, c.at))[:top]
    accounts = best_per_account(credits)[:top]
    return {
        "onset": _iso(r.onset) if r.onset else None,
        "basis": "the first alarm's change point" if r.onset else "the window's start (no alarm in it)",
        "calm_hostile_share": round(r.base, 4),
        "total_hostile_reach": round(total, 1),
        "accounts": [_account(c, credits, hostile, total, g) for c in accounts],
        "posts": [_post(c, hostile, total, g) for c in posts],
    }


def _post(c: Credit, hostile: dict[str, float], total: float, g: nx.DiGraph) -> dict[str, Any]:
    node = g.nodes[c.post_id] if c.post_id in g else {}
    kinds = [g.nodes[n]["kind"] for n in g.successors(c.post_id)] if c.post_id in g else []
    reach = hostile.get(c.post_id, 0.0)
    return {
        "id": c.post_id, "author": c.author, "at": _iso(c.at), "minutes_from_onset": round(c.lag, 1),
        "text": node.get("text", ""), "followers": node.get("followers", 0), "stance": node.get("stance"),
        "reposts": kinds.count("repost"), "answers": len(kinds) - kinds.count("repost"),
        "hostility": round(c.hostility, 3), "downstream_hostile_reach": round(reach, 1),
        "share_of_hostile_reach": round(min(1.0, reach / total), 4), "score": round(c.score, 3),
    }


def _account(best: Credit, credits: list[Credit], hostile: dict[str, float], total: float,
             g: nx.DiGraph) -> dict[str, Any]:
    mine = [c for c in credits if c.author == best.author]
    reach = sum(hostile.get(c.post_id, 0.0) for c in mine)
    first = min(mine, key=lambda c: c.at)
    return {
        "account": best.author, "followers": g.nodes[best.post_id]["followers"] if best.post_id in g else 0,
        "threads": len(mine), "best_post": best.post_id, "minutes_from_onset": round(first.lag, 1),
        "downstream_hostile_reach": round(reach, 1), "share_of_hostile_reach": round(min(1.0, reach / total), 4),
        "score": round(best.score, 3),
    }

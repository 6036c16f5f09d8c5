"""The trigger's cascade as data for the dashboard's interactive view (`web/static/cascade.js`).

`cascade_tree` takes the explain layer's `trigger_tree` (the earliest posts under the first trigger's
post: each with its parent, minutes after the root, author, stance and followers) and adds what the view
shows on hover: each post's time and text, looked up in the store by id when the explanation is stored
(never per request). Bounded: at most `LIMIT` nodes, texts cut to `TEXT` characters. The edges are the
nodes' `parent` links (a node whose parent is not shown is drawn as a root of its own).

>>> cascade_tree(None, "c", {}) is None
True
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

LIMIT = 2000
TEXT = 280


def _platforms(store: Any, campaign: str) -> list[str]:
    """The platforms the campaign's posts come from (from one page of its posts: ids carry no platform)."""
    _, found = store.search_posts(campaign, "", None, None, None, None, 50, 0)
    return sorted({p.platform for p, _ in found}) or ["csv"]


def cascade_tree(store: Any, campaign: str, ex: dict[str, Any], limit: int = LIMIT) -> dict[str, Any] | None:
    """The trigger's tree with per-post time and text, or None when the explanation has no tree."""
    tree = (ex.get("cascade") or {}).get("trigger_tree")
    if not tree or not tree.get("nodes") or store is None:
        return None
    nodes = tree["nodes"][:limit]
    ids = [str(n["id"]) for n in nodes]
    found: dict[str, Any] = {}
    for platform in _platforms(store, campaign):
        for post, _, deleted in store.posts_by_key(campaign, [f"{platform}:{i}" for i in ids]).values():
            found.setdefault(post.id, (post, deleted))
    root = found.get(ids[0])
    t0 = root[0].created_at if root and root[0].created_at else None

    def row(n: dict[str, Any]) -> dict[str, Any]:
        post, deleted = found.get(str(n["id"]), (None, False))
        at = None if t0 is None else (t0 + timedelta(minutes=float(n["minutes"]))).isoformat().replace("+00:00", "Z")
        text = "" if post is None or deleted else (post.text or "")
        return {"id": str(n["id"]), "parent": None if n.get("parent") is None else str(n["parent"]),
                "author": n.get("author"), "at": at, "minutes": n.get("minutes"), "stance": n.get("stance"),
                "reach": int(n.get("followers") or 0), "kind": n.get("kind"),
                "text": text[:TEXT] + ("…" if len(text) > TEXT else "")}

    return {"root": str(tree["root"]), "author": tree.get("author"), "size": tree.get("size"),
            "shown": len(nodes), "onset_minutes": tree.get("onset_minutes"), "nodes": [row(n) for n in nodes]}

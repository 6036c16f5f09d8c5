"""The explanation the dashboard shows, computed when `analyze` or `curate refresh` runs and kept in the
store, so that a page never explains a large campaign per request.

`remember` stores what the page needs: the explain layer's triggers, cascade sizes, amplifiers, onset
changes and narratives (trimmed to what is shown), the trigger's tree for the interactive view
(`report.tree`: per post its parent, author, time, stance, reach and text, at most 2,000 posts), and
the report's SVG pictures of the trigger's cascade and of the narratives over time (`report.cascade_chart`,
the same renderer as the static report). The dashboard serves the pictures as images of their own
(`image/svg+xml`, no inline markup in the page).

>>> from backfire.model import Campaign
>>> from backfire.simulate import generate
>>> from backfire.simulate.oracle import PerfectReader
>>> from backfire.store import open_store
>>> sim = generate("mynypd", seed=3, hours=3)
>>> store = open_store(":memory:")
>>> _ = store.add_posts(sim.posts, sim.campaign.name); store.save_campaign(sim.campaign)
>>> store.save_verdicts(sim.campaign.name, [(p.key, v) for p, v in
...     zip(sim.posts, PerfectReader(sim.labels).predict_many(sim.posts))])
>>> shown = remember(store, sim.campaign)
>>> sorted(shown["pictures"]), shown["triggers"]["accounts"][0]["account"] == sim.truth.trigger_accounts[0]
(['cascade', 'hostile', 'support'], True)
>>> tree = shown["tree"]; tree["nodes"][0]["author"] == tree["author"], 0 < tree["shown"] <= 2000
(True, True)
>>> got = stored(store, sim.campaign.name); got["posts"] == len(sim.posts), got["pictures"]
(True, ['cascade', 'hostile', 'support'])
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backfire.model import Campaign
from backfire.store import Store

PICTURES = ("cascade", "hostile", "support")


def shown(ex: dict[str, Any]) -> dict[str, Any]:
    """What the campaign page shows of an explanation (`explain.analysis.explain`'s dict)."""
    narr = ex.get("narratives") or {}
    triggers = ex.get("triggers") or {}
    return {
        "window": ex.get("window"),
        "onset": ex.get("onset"),
        "triggers": {"basis": triggers.get("basis"), "accounts": (triggers.get("accounts") or [])[:8],
                     "posts": (triggers.get("posts") or [])[:5]},
        "cascade": {k: v for k, v in (ex.get("cascade") or {}).items() if k != "trigger_tree"},
        "accounts_graph": ex.get("accounts_graph"),
        "amplifiers": (ex.get("amplifiers") or [])[:10],
        "onset_changes": ex.get("onset_changes"),
        "narratives": {side: [{k: n.get(k) for k in ("terms", "size", "accounts", "first", "examples")}
                              for n in narr.get(side) or []] for side in ("hostile", "support")},
    }


def remember(store: Store, campaign: Campaign, ex: dict[str, Any] | None = None, embed: Any = None,
             now: datetime | None = None) -> dict[str, Any]:
    """Store what the page shows of `ex` (explaining the whole campaign when not given) with its pictures;
    returns it."""
    from backfire.report.html import explain_pictures
    from backfire.report.tree import cascade_tree

    if ex is None:
        from backfire.explain.analysis import explain_campaign

        ex = explain_campaign(store, campaign, embed=embed)
    data = shown(ex)
    data["pictures"] = explain_pictures(ex)
    data["tree"] = cascade_tree(store, campaign.name, ex)
    posts = int((ex.get("window") or {}).get("posts") or 0)
    store.save_explanation(campaign.name, now or datetime.now(UTC), posts, data)
    return data


def stored(store: Store, campaign: str) -> dict[str, Any] | None:
    """The stored explanation with the names of its pictures (not the pictures), when it was computed and
    how many posts it read."""
    got = store.explanation(campaign)
    if got is None:
        return None
    at, posts, data = got
    pictures = data.pop("pictures", None) or {}
    names = [n for n in PICTURES if n in pictures]
    return {"at": at.isoformat().replace("+00:00", "Z"), "posts": posts, **data, "pictures": names}


def picture(store: Store, campaign: str, name: str) -> str | None:
    """One stored SVG picture (`PICTURES`), or None."""
    got = store.explanation(campaign)
    return None if got is None or name not in PICTURES else got[2].get("pictures", {}).get(name)

"""What a campaign report shows, as plain data: the HTML report and `report --json` share it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from backfire.model import Campaign, Post, Verdict
from backfire.store import Store

STANCES = ("support", "neutral", "hostile")


def _bin_start(t: datetime, minutes: int) -> datetime:
    return t.replace(minute=t.minute - t.minute % minutes, second=0, microsecond=0)


def timeline(pairs: list[tuple[Post, Verdict | None]], bin_minutes: int) -> list[dict[str, Any]]:
    """Posts per time bin by stance, with the reach-free hostile share of each bin."""
    bins: dict[datetime, Counter[str]] = {}
    for post, verdict in pairs:
        key = _bin_start(post.created_at, bin_minutes)
        bins.setdefault(key, Counter())[verdict.stance if verdict else "unclassified"] += 1
    if not bins:
        return []
    out, t, end = [], min(bins), max(bins)
    while t <= end:
        c = bins.get(t, Counter())
        judged = sum(c[s] for s in STANCES)
        out.append({
            "start": t.isoformat().replace("+00:00", "Z"),
            **{s: c[s] for s in STANCES},
            "total": sum(c.values()),
            "hostile_share": round(c["hostile"] / judged, 4) if judged else None,
        })
        t += timedelta(minutes=bin_minutes)
    return out


def _post_card(post: Post, verdict: Verdict | None) -> dict[str, Any]:
    return {
        "id": post.id,
        "author": post.author.handle,
        "followers": post.author.followers,
        "created_at": post.created_at.isoformat().replace("+00:00", "Z"),
        "text": post.text,
        "stance": verdict.stance if verdict else None,
        "p_hostile": round(verdict.p_hostile, 3) if verdict else None,
        "reason": verdict.reason if verdict else "",
        "media": [{"url": m.url, "alt": m.alt} for m in post.media],
    }


def _top(pairs: list[tuple[Post, Verdict | None]], stance: str, n: int) -> list[dict[str, Any]]:
    chosen = [(p, v) for p, v in pairs if v is not None and v.stance == stance and not p.is_repost]
    chosen.sort(key=lambda pv: (-(pv[0].author.followers or 0), pv[0].created_at))
    return [_post_card(p, v) for p, v in chosen[:n]]


def overview(store: Store, campaign: Campaign, bin_minutes: int = 10, explain: bool = True,
             embed: Any = None) -> dict[str, Any]:
    """Everything the report shows about `campaign`, as JSON-ready data; with `explain`, the explanation
    `backfire analyze --json` prints (`embed`: the sentence embeddings its narratives cluster)."""
    verdicts = store.verdicts(campaign.name)
    pairs = [(p, verdicts.get(p.key)) for p in store.posts(campaign.name, with_raw=False)]
    stances: Counter[str] = Counter(v.stance for _, v in pairs if v is not None)
    return {
        "campaign": campaign.model_dump(mode="json"),
        "posts": len(pairs),
        "reposts": sum(1 for p, _ in pairs if p.is_repost),
        "classified": sum(stances.values()),
        "stances": {s: stances[s] for s in STANCES},
        "first": pairs[0][0].created_at.isoformat() if pairs else None,
        "last": pairs[-1][0].created_at.isoformat() if pairs else None,
        **_bounded(store, campaign.name, len(pairs), bin_minutes),
        "alarms": [a.contract_fields() for a in store.alarms(campaign.name)],
        "top_hostile": _top(pairs, "hostile", 10),
        "top_support": _top(pairs, "support", 10),
        "quarantined": sum(1 for _ in store.quarantined(campaign.name)),
        "explain": _explanation(store, campaign, embed) if explain and pairs else None,
    }


def _bounded(store: Store, campaign: str, total: int, bin_minutes: int) -> dict[str, Any]:
    """The dashboard's bounded timeline (`web.timeline`: at most 240 bins, stray dates counted as outliers):
    one post dated a year off no longer makes the report 500,000 bins."""
    from backfire.web.timeline import bounded_timeline

    data = bounded_timeline(store, campaign, total, min_bin_seconds=bin_minutes * 60)
    return {"bin_minutes": (data["bin_seconds"] or bin_minutes * 60) / 60, "timeline": data["bins"],
            "outliers": data["outliers"]}


def _explanation(store: Store, campaign: Campaign, embed: Any) -> dict[str, Any]:
    from backfire.explain.analysis import explain_campaign

    return explain_campaign(store, campaign, embed=embed)

"""A campaign's volume and stance timeline, aggregated in SQL, with a bounded number of bins.

The bin width comes from where most posts are (the 0.1% to 99.9% quantiles of their times), so a stray
post dated a year off cannot stretch the chart to 500,000 empty bins: posts far outside that core are
counted as outliers (how many before, after, and the first few), not binned. At most `max_bins` bins
whatever the dates.

>>> choose_bin(6 * 3600, 240)
300
>>> choose_bin(400 * 86400, 240)
604800
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backfire.store import Store
from backfire.store._posts import ts

NICE = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000, 31536000)
STANCES = ("support", "neutral", "hostile", "unclassified")


def choose_bin(span_seconds: float, max_bins: int) -> int:
    """The smallest nice bin width (seconds) that fits `span_seconds` in half of `max_bins`."""
    for width in NICE:
        if span_seconds / width <= max_bins // 2 - 1:
            return width
    return NICE[-1] * (1 + int(span_seconds / NICE[-1] / (max_bins // 2 - 1)))


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _stored(epoch: int) -> str:
    return ts(datetime.fromtimestamp(epoch, UTC))


def bounded_timeline(store: Store, campaign: str, total: int | None = None, max_bins: int = 240,
                     min_bin_seconds: int = 0) -> dict[str, Any]:
    """Posts per bin by stance with each bin's hostile share, the outliers (see the module doc) and the
    campaign's posts by stance (`stances`, with `reposts`), all from one pass over the posts in SQL.
    `total`: the campaign's live posts (`Store.live_count`, asked when not given); bins are at least
    `min_bin_seconds` wide (the static report's 10 minutes)."""
    total = store.live_count(campaign) if total is None else total
    if total <= 0:
        return {"bin_seconds": None, "bins": [], "outliers": {"before": 0, "after": 0, "posts": []},
                "stances": {**dict.fromkeys(STANCES, 0), "reposts": 0}}
    cut = total // 1000  # 0.1% of the posts at each end may lie outside the core
    first, last = _epoch(store.time_at_rank(campaign, 0) or ""), _epoch(store.time_at_rank(campaign, 0, True) or "")
    lo = _epoch(store.time_at_rank(campaign, cut) or "") if cut else first
    hi = _epoch(store.time_at_rank(campaign, cut, True) or "") if cut else last
    width = max(choose_bin(hi - lo, max_bins), min_bin_seconds)
    margin = (max_bins // 4 - 1) * width
    start = max(first - first % width, lo - lo % width - margin)
    end = min(last - last % width + width, hi - hi % width + width + margin)
    counts = store.stance_bins(campaign, start, width, _stored(start), _stored(end))
    n = (end - start) // width
    grid = [dict.fromkeys(STANCES, 0) for _ in range(n)]
    stances = {**dict.fromkeys(STANCES, 0), "reposts": 0}
    for b, stance, count, _ in counts:
        if 0 <= b < n:
            grid[b][stance if stance in STANCES else "unclassified"] += count
    before, after, sample, outside = store.posts_outside(campaign, _stored(start), _stored(end))
    for stance, count, reposts in [(s, c, r) for _, s, c, r in counts] + outside:
        stances[stance if stance in STANCES else "unclassified"] += count
        stances["reposts"] += reposts
    bins = []
    for i, c in enumerate(grid):
        judged = c["support"] + c["neutral"] + c["hostile"]
        bins.append({"start": _iso(start + i * width), **c, "total": sum(c.values()),
                     "hostile_share": round(c["hostile"] / judged, 4) if judged else None})
    return {
        "bin_seconds": width, "start": _iso(start), "end": _iso(end), "bins": bins,
        "outliers": {"before": before, "after": after,
                     "posts": [{"key": k, "created_at": t, "stance": s} for k, t, s in sample]},
        "stances": stances,
    }


def hostile_trend(bins: list[dict[str, Any]], window: int = 3) -> dict[str, float | None]:
    """The hostile share over the last `window` bins with posts, and its change from the `window` before."""
    judged = [b for b in bins if b["support"] + b["neutral"] + b["hostile"]]

    def share(part: list[dict[str, Any]]) -> float | None:
        n = sum(b["support"] + b["neutral"] + b["hostile"] for b in part)
        return round(sum(b["hostile"] for b in part) / n, 4) if n else None

    now, before = share(judged[-window:]), share(judged[-2 * window: -window])
    return {"now": now, "before": before,
            "change": round(now - before, 4) if now is not None and before is not None else None}

"""What each dashboard page shows, as plain data: the HTML page and its `.json` twin render the same dict.

Every function reads aggregates from the store (SQL); none loads a campaign's posts to draw a page.
Campaign names travel in URLs tilde-encoded (as datasette does): every byte but letters, digits, `_`
and `-` becomes `~XX`, so a name with `/`, `.`, `%` or `<` is one path segment that routes cannot misread.

>>> encode_name("<b>x</b>/../y")
'~3Cb~3Ex~3C~2Fb~3E~2F~2E~2E~2Fy'
>>> decode_name(encode_name("<b>x</b>/../y"))
'<b>x</b>/../y'
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from backfire.curate.export import cards
from backfire.curate.queue import STATES, active_alarm, hold_message
from backfire.model import Campaign, Post, Verdict, as_utc
from backfire.report.stored import stored
from backfire.store import Store
from backfire.store._posts import ts
from backfire.web.timeline import bounded_timeline, hostile_trend

_PLAIN = re.compile(rb"[A-Za-z0-9_-]")
PAGE = 50


def encode_name(name: str) -> str:
    return "".join(chr(b) if _PLAIN.match(bytes([b])) else f"~{b:02X}" for b in name.encode("utf-8"))


def decode_name(text: str) -> str:
    return re.sub(rb"~([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), text.encode("utf-8")).decode(
        "utf-8", errors="replace")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def campaigns_data(store: Store) -> dict[str, Any]:
    rows = []
    for c in store.campaigns():
        rows.append({"name": c.name, "path": encode_name(c.name), "tags": c.tags, "owners": c.owners,
                     "posts": store.live_count(c.name), "alarms": len(store.alarms(c.name))})
    return {"campaigns": rows}


class PageCache:
    """The pages computed last, each kept until the store changes: another process's commit
    (`data_version`), this process's own writes (`own_changes`) or the minute turning (an alarm's hold
    ends with time). Concurrent viewers of one campaign then share one computation instead of each
    running the page's aggregates (about 250 ms on 100,000 posts) behind the store's single connection."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._flights: dict[tuple[Any, ...], threading.Lock] = {}  # one computation of a page at a time
        self._lock = threading.Lock()

    def get(self, store: Store, key: tuple[Any, ...], compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The page for `key` as of now: cached, or computed by `compute` (once, however many viewers
        ask at the same moment: the others wait for it) and kept."""
        full = (*key, store.data_version(), store.own_changes(), int(time.time() // 60))
        with self._lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                page = self._pages.get(full)
                if page is not None:
                    self._pages.move_to_end(full)
                    return page
            page = compute()
            with self._lock:
                self._pages[full] = page
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
        return page


def campaign_data(store: Store, campaign: Campaign, max_bins: int = 240, hold_hours: float = 6.0) -> dict[str, Any]:
    """The campaign page: counts by stance, the bounded timeline, the hostile share now and its trend,
    alarms with their evidence, the hijack's drivers (as the last queue refresh found them), the queue."""
    timeline = bounded_timeline(store, campaign.name, None, max_bins)
    counts = timeline.pop("stances")
    total = sum(n for s, n in counts.items() if s != "reposts")
    alarm = active_alarm(store, campaign.name, hold_hours)
    explanation = stored(store, campaign.name)  # computed by `analyze` / `curate refresh`, never here
    return {
        "campaign": campaign.model_dump(mode="json"), "path": encode_name(campaign.name),
        "posts": total, "reposts": counts.get("reposts", 0),
        "stances": {s: counts.get(s, 0) for s in ("support", "neutral", "hostile", "unclassified")},
        "hostile_share": hostile_trend(timeline["bins"]),
        "timeline": timeline,
        "alarms": [a.contract_fields() for a in store.alarms(campaign.name)],
        "turned": hold_message(alarm, campaign.name) if alarm else None,
        "drivers": [{"account": a, "role": role, **{k: v for k, v in d.items() if k != "account"}}
                    for a, role, d in store.drivers(campaign.name)],
        "queue": store.curation_counts(campaign.name),
        "explanation": explanation,
        "pictures": {name: f"/campaigns/{encode_name(campaign.name)}/pictures/{name}.svg"
                     for name in (explanation or {}).get("pictures", [])},
    }


def _row(post: Post, verdict: Verdict | None) -> dict[str, Any]:
    return {
        "key": post.key, "id": post.id, "author": post.author.handle, "followers": post.author.followers,
        "created_at": _iso(post.created_at), "text": post.text, "repost_of": post.repost_of,
        "stance": verdict.stance if verdict else None,
        "p_hostile": round(verdict.p_hostile, 3) if verdict else None,
        "sarcasm": round(verdict.sarcasm, 3) if verdict else None,
        "media": [{"url": m.url, "alt": m.alt or ""} for m in post.media],
    }


def _when(text: str | None) -> str | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts(as_utc(value))  # a time without a zone is UTC


def posts_data(store: Store, campaign: Campaign, q: str = "", stance: str | None = None, author: str | None = None,
               since: str | None = None, until: str | None = None, page: int = 1) -> dict[str, Any]:
    """One page of the campaign's posts matching a full-text search and filters, newest first."""
    page = max(1, page)
    filters = {"q": q, "stance": stance or "", "author": author or "", "since": since or "", "until": until or ""}
    total, found = store.search_posts(campaign.name, q, stance or None, author or None, _when(since), _when(until),
                                      PAGE, (page - 1) * PAGE)
    return {"campaign": campaign.model_dump(mode="json"), "path": encode_name(campaign.name), "filters": filters,
            "total": total, "page": page, "pages": max(1, -(-total // PAGE)), "posts": [_row(p, v) for p, v in found]}


def queue_data(store: Store, campaign: Campaign, state: str | None = None, page: int = 1,
               hold_hours: float = 6.0) -> dict[str, Any]:
    """The curation queue: whether the tag has turned (the queue is held), counts by state, one page of posts."""
    page = max(1, page)
    states = [state] if state in STATES else ["pending", "held"]
    items = store.curation_items(campaign.name, states, PAGE, (page - 1) * PAGE)
    alarm = active_alarm(store, campaign.name, hold_hours)
    return {"campaign": campaign.model_dump(mode="json"), "path": encode_name(campaign.name),
            "state": state if state in STATES else "", "states": list(STATES), "page": page,
            "turned": hold_message(alarm, campaign.name) if alarm else None,
            "counts": store.curation_counts(campaign.name), "items": cards(store, campaign.name, items)}


def log_data(store: Store, campaign: Campaign, limit: int = 200) -> dict[str, Any]:
    return {"campaign": campaign.model_dump(mode="json"), "path": encode_name(campaign.name),
            "log": [{"key": e.key, "actor": e.actor, "action": e.action, "reason": e.reason, "at": _iso(e.at)}
                    for e in store.curation_log(campaign.name, limit=limit)]}

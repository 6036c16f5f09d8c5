"""Export of a campaign's approved posts (JSON Lines or CSV), with their media URLs and alt texts, and
the queue's rows as page data (post cards with media, safe to render)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from backfire.model import Post, Verdict
from backfire.store import CurationItem, Store

FIELDS = ("key", "id", "platform", "author", "created_at", "text", "media_urls", "media_alt", "stance",
          "p_hostile", "sarcasm", "approved_by", "approved_at", "reason")


def _iso(value: Any) -> str:
    return str(value.isoformat().replace("+00:00", "Z"))


def safe_url(url: str | None) -> str | None:
    """`url` if it is http(s) (an image the page may load), else None (the page shows a placeholder)."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def card(item: CurationItem, post: Post | None, verdict: Verdict | None, deleted: bool = False) -> dict[str, Any]:
    """One queue row: the decision and the post with its media (alt text always; `src` only for http(s))."""
    return {
        "key": item.key, "state": item.state, "reason": item.reason, "risk": item.risk,
        "updated_by": item.updated_by, "updated_at": _iso(item.updated_at), "deleted": deleted,
        "id": post.id if post else None, "author": post.author.handle if post else None,
        "created_at": _iso(item.created_at), "text": post.text if post else "",
        "stance": verdict.stance if verdict else None,
        "p_hostile": round(verdict.p_hostile, 3) if verdict else None,
        "sarcasm": round(verdict.sarcasm, 3) if verdict else None,
        "media": [{"url": m.url, "src": safe_url(m.url), "alt": m.alt or "", "type": m.type}
                  for m in (post.media if post else [])],
    }


def cards(store: Store, campaign: str, items: list[CurationItem]) -> list[dict[str, Any]]:
    found = store.posts_by_key(campaign, [i.key for i in items])
    return [card(i, *found.get(i.key, (None, None, False))) for i in items]


def approved_rows(store: Store, campaign: str) -> Iterator[dict[str, Any]]:
    """The approved posts still live (not deleted), safest first, as export rows."""
    items = store.curation_items(campaign, ["approved"])
    for row in cards(store, campaign, items):
        if row["deleted"] or row["id"] is None:
            continue
        yield {
            "key": row["key"], "id": row["id"], "platform": row["key"].split(":", 1)[0], "author": row["author"],
            "created_at": row["created_at"], "text": row["text"],
            "media_urls": [m["url"] for m in row["media"]], "media_alt": [m["alt"] for m in row["media"]],
            "stance": row["stance"], "p_hostile": row["p_hostile"], "sarcasm": row["sarcasm"],
            "approved_by": row["updated_by"], "approved_at": row["updated_at"], "reason": row["reason"],
        }


def export_approved(store: Store, campaign: str, out: TextIO, fmt: str = "jsonl") -> int:
    """Write the approved set to `out` as `jsonl` or `csv` (media URLs and alt texts joined by ' | ');
    returns how many posts were written."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"Unknown format {fmt!r}: use jsonl or csv.")
    n = 0
    writer = csv.DictWriter(out, fieldnames=FIELDS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    for row in approved_rows(store, campaign):
        if writer is None:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            writer.writerow({**row, "media_urls": " | ".join(row["media_urls"]),
                             "media_alt": " | ".join(row["media_alt"])})
        n += 1
    return n

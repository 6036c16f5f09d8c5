"""Export a campaign's stored posts with their verdicts as JSON Lines or CSV, streaming."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, Literal, TextIO

from backfire.model import Post, Verdict

ExportFormat = Literal["jsonl", "csv"]

COLUMNS = [
    "id", "platform", "author", "followers", "created_at", "text", "hashtags", "repost_of", "reply_to",
    "quote_of", "stance", "p_hostile", "p_support", "sarcasm", "sentiment", "sentiment_label", "offensive",
    "reason",
]


def export_row(post: Post, verdict: Verdict | None) -> dict[str, Any]:
    """One exported record: the post's main fields and its verdict (empty when not classified)."""
    row: dict[str, Any] = {
        "id": post.id,
        "platform": post.platform,
        "author": post.author.handle,
        "followers": post.author.followers,
        "created_at": post.created_at.isoformat().replace("+00:00", "Z"),
        "text": post.text,
        "hashtags": post.hashtags,
        "repost_of": post.repost_of,
        "reply_to": post.reply_to,
        "quote_of": post.quote_of,
    }
    fields = verdict.contract_fields() if verdict else dict.fromkeys(COLUMNS[10:])
    fields.pop("id", None)
    row.update(fields)
    row["p_support"] = round(verdict.p_support, 4) if verdict else None
    return row


def write_export(rows: Iterator[dict[str, Any]], out: TextIO, fmt: ExportFormat) -> int:
    """Write rows as JSONL or CSV (lists joined by spaces); return how many were written."""
    n = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
        return n
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r}; use jsonl or csv")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: " ".join(v) if isinstance(v, list) else v for k, v in row.items()})
        n += 1
    return n

"""Several simulated campaigns on one Jetstream: the stream a shared watch (`live.many`) reads.

Each campaign is a `backfire.simulate` scenario written as Jetstream events; their record keys are
renumbered per campaign (the simulator numbers every stream alike), the streams are merged in time
order, and `shared` extra posts carry every campaign's tag at once.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as d:
...     log, tags = campaign_streams(d, [("mynypd", 1, None), ("steady-critics", 1, "airline")], hours=0.5)
>>> tags
['myNYPD', 'SkyLuxury']
>>> sum("#myNYPD #SkyLuxury" in (e["commit"].get("record") or {}).get("text", "") for e in log.events)
4
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backfire.live.replay.events import ListLog

START = datetime(2024, 5, 14, 13, tzinfo=UTC)


def campaign_streams(folder: str | Path, scenarios: Sequence[tuple[str, int, str | None]], *, hours: float = 4.0,
                     start: datetime = START, shared: int = 4, scale: float = 1.0) -> tuple[ListLog, list[str]]:
    """One Jetstream log of the given (scenario, seed, profile) campaigns over the same `hours`, plus
    `shared` posts carrying all their tags; returns the log and each campaign's tag, in order."""
    from backfire.simulate import write_simulation

    events: list[dict[str, Any]] = []
    tags: list[str] = []
    for k, (scenario, seed, profile) in enumerate(scenarios):
        path = Path(folder) / f"campaign-{k}.jsonl"
        extra = {"profile": profile} if profile else {}
        sim, _ = write_simulation(scenario, seed, path, "jetstream", hours=hours, start=start, scale=scale, **extra)
        tags.append(sim.campaign.tags[0])
        text = path.read_text(encoding="utf-8")
        if k:  # record keys of their own: 456... becomes 4560k... (k < 10)
            text = text.replace('"456', f'"4560{k}').replace("/456", f"/4560{k}")
        events.extend(json.loads(line) for line in text.splitlines() if line.strip())
    span_us = int(hours * 3600 * 1_000_000)
    base_us = int(start.timestamp() * 1_000_000)
    events.extend(_shared_post(i, base_us + (i + 1) * span_us // (shared + 1) + 1, tags) for i in range(shared))
    return ListLog(events), tags


def _shared_post(i: int, time_us: int, tags: list[str]) -> dict[str, Any]:
    when = datetime.fromtimestamp(time_us / 1_000_000, tz=UTC)
    text = f"Watching all of it unfold {' '.join('#' + t for t in tags)} ({i})"
    return {
        "did": f"did:plc:shared{i:04d}", "time_us": time_us, "kind": "commit",
        "commit": {"rev": f"3zz{i:08d}", "operation": "create", "collection": "app.bsky.feed.post",
                   "rkey": f"3zzshared{i:06d}", "cid": f"bafyshared{i:06d}",
                   "record": {"$type": "app.bsky.feed.post", "text": text, "langs": ["en"],
                              "createdAt": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"}},
    }

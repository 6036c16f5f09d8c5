"""Recorded-shaped events for the replay servers: hand-written samples and synthetic streams.

A synthetic Jetstream stream is computed event by event from its index (nothing is held in memory),
so a soak run can replay hours of it. Every tenth event follows the same pattern, and the pattern
says which events a watcher of the tag must keep:

====  ============================================================  =====
i%10  event                                                         kept
====  ============================================================  =====
0-4   post with the tag as a facet                                  yes
5     post with the tag only in the text, in another letter case    yes
6     post without the tag                                          no
7     repost of the post made at i-7 (kept: we hold that post)      yes
8     repost of a post we never saw                                 no
9     identity event (every 20th) or a post delete                  no
====  ============================================================  =====

>>> s = SyntheticJetstream(20, tag="myNYPD")
>>> s.event(0)["commit"]["record"]["facets"][0]["features"][0]["tag"]
'myNYPD'
>>> s.kept_count(20)
14
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

BASE_US = 1_763_719_200_000_000  # 2025-11-21T10:00:00Z
KEPT = frozenset({0, 1, 2, 3, 4, 5, 7})
_TEXTS = (
    "Proud to serve with the officers of the 40th precinct",
    "Great day at the community picnic, thanks everyone",
    "Another arrest caught on camera, this is what you asked for",
    "Customer service at its finest: kettled for three hours",
    "Our officers handing out water at the marathon",
    "Smile for the camera while the baton comes down",
)

_ENDINGS = (
    "what a day", "see you next week", "thank you all", "not again", "unbelievable", "so proud",
    "who signed off on this", "bring the kids", "watch the video", "never forget",
)


def _text(index: int) -> str:
    """A distinct text per index (real streams rarely repeat a text exactly)."""
    return f"{_TEXTS[index % len(_TEXTS)]}, {_ENDINGS[(index // 7) % len(_ENDINGS)]} ({index})"


class EventLog(Protocol):
    """What a replay server serves: events by index, in time order, found by cursor."""

    def __len__(self) -> int: ...

    def event(self, index: int) -> dict[str, Any]: ...

    def index_at(self, time_us: int) -> int:
        """The index of the first event at or after `time_us`."""
        ...


class ListLog:
    """Events held in a list (hand-written samples, small test streams)."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = sorted(events, key=lambda e: int(e.get("time_us", 0)))

    def __len__(self) -> int:
        return len(self.events)

    def event(self, index: int) -> dict[str, Any]:
        return self.events[index]

    def index_at(self, time_us: int) -> int:
        lo, hi = 0, len(self.events)
        while lo < hi:
            mid = (lo + hi) // 2
            if int(self.events[mid]["time_us"]) < time_us:
                lo = mid + 1
            else:
                hi = mid
        return lo


class SyntheticJetstream:
    """`n` Jetstream events computed from their index, `step_us` microseconds apart."""

    def __init__(self, n: int, tag: str = "myNYPD", base_us: int = BASE_US, step_us: int = 1000) -> None:
        self.n = n
        self.tag = tag
        self.base_us = base_us
        self.step_us = step_us

    def __repr__(self) -> str:
        return f"SyntheticJetstream(n={self.n}, tag={self.tag!r}, step_us={self.step_us})"

    def __len__(self) -> int:
        return self.n

    def index_at(self, time_us: int) -> int:
        offset = time_us - self.base_us
        if offset <= 0:
            return 0
        return min(self.n, -(-offset // self.step_us))

    def kept_count(self, upto: int | None = None) -> int:
        """How many of the first `upto` events a watcher of the tag keeps."""
        n = self.n if upto is None else upto
        return (n // 10) * len(KEPT) + sum(1 for r in range(n % 10) if r in KEPT)

    def kept_index(self, index: int) -> bool:
        return index % 10 in KEPT

    def time_us(self, index: int) -> int:
        return self.base_us + index * self.step_us

    def event(self, index: int) -> dict[str, Any]:
        kind = index % 10
        if kind <= 6:
            return self._post(index, tagged=kind <= 5, facet=kind <= 4)
        if kind == 7:
            return self._repost(index, subject=_post_uri(_did(index - 7), _rkey(index - 7)))
        if kind == 8:
            return self._repost(index, subject=_post_uri("did:plc:stranger", f"3zz{index:09d}"))
        return self._identity(index) if index % 20 == 9 else self._delete(index)

    def _post(self, index: int, tagged: bool, facet: bool) -> dict[str, Any]:
        body = _text(index)
        tag = self.tag if facet else self.tag.upper()
        text = f"{body} #{tag}" if tagged else body
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": _iso(self.time_us(index)),
            "langs": ["en"],
        }
        if tagged and facet:
            start = len(body.encode()) + 1
            record["facets"] = [{
                "index": {"byteStart": start, "byteEnd": start + len(tag.encode()) + 1},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }]
        return self._commit(index, "app.bsky.feed.post", record)

    def _repost(self, index: int, subject: str) -> dict[str, Any]:
        record = {
            "$type": "app.bsky.feed.repost",
            "createdAt": _iso(self.time_us(index)),
            "subject": {"uri": subject, "cid": f"bafyrei{index:012d}"},
        }
        return self._commit(index, "app.bsky.feed.repost", record)

    def _commit(self, index: int, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "did": _did(index),
            "time_us": self.time_us(index),
            "kind": "commit",
            "commit": {
                "rev": f"3m6r{index:09d}",
                "operation": "create",
                "collection": collection,
                "rkey": _rkey(index),
                "record": record,
                "cid": f"bafyreic{index:012d}",
            },
        }

    def _delete(self, index: int) -> dict[str, Any]:
        return {
            "did": _did(index),
            "time_us": self.time_us(index),
            "kind": "commit",
            "commit": {"rev": f"3m6r{index:09d}", "operation": "delete",
                       "collection": "app.bsky.feed.post", "rkey": _rkey(index - 3)},
        }

    def _identity(self, index: int) -> dict[str, Any]:
        did = _did(index)
        return {
            "did": did,
            "time_us": self.time_us(index),
            "kind": "identity",
            "identity": {"did": did, "handle": f"user{index % 997}.bsky.social", "seq": index,
                         "time": _iso(self.time_us(index))},
        }


def _did(index: int) -> str:
    return f"did:plc:user{index % 997:05d}"


def _rkey(index: int) -> str:
    return f"3m6{index:010d}"


def _post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def _iso(time_us: int) -> str:
    when = datetime.fromtimestamp(time_us / 1_000_000, tz=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSON Lines file (blank lines skipped)."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def iter_log(log: EventLog, start: int = 0) -> Iterator[dict[str, Any]]:
    """The events of `log` from index `start` on."""
    for index in range(start, len(log)):
        yield log.event(index)


# -- Mastodon -------------------------------------------------------------------------------------
MASTODON_BASE_ID = 115_500_000_000_000_000


def mastodon_status(
    n: int,
    tag: str = "myNYPD",
    *,
    host: str = "example.social",
    opted_out: str | None = None,
    base_id: int = MASTODON_BASE_ID,
) -> dict[str, Any]:
    """The `n`-th synthetic Status on `tag` (ids rise with `n`); `opted_out` puts #nobot / #nosearch
    in the account's bio, or sets `noindex`, for that kind of opt-out."""
    status_id = base_id + n * (1 << 16)
    account_id = 109_000_000_000_000_000 + n % 50
    note = "<p>Neighbourhood photographer</p>"
    if opted_out in ("nobot", "nosearch"):
        note = f"<p>Photographer. #{opted_out}</p>"
    account: dict[str, Any] = {
        "id": str(account_id), "username": f"user{n % 50}", "acct": f"user{n % 50}@{host}",
        "display_name": f"User {n % 50}", "bot": False, "note": note, "followers_count": 10 + n % 90,
        "following_count": 5, "statuses_count": 100, "created_at": "2023-01-01T00:00:00.000Z",
        "url": f"https://{host}/@user{n % 50}", "fields": [],
    }
    if opted_out == "noindex":
        account["noindex"] = True
    when = datetime.fromtimestamp((status_id >> 16) / 1000, tz=UTC)
    text = _text(n)
    return {
        "id": str(status_id), "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "in_reply_to_id": None, "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "",
        "visibility": "public", "language": "en",
        "uri": f"https://{host}/users/user{n % 50}/statuses/{status_id}",
        "url": f"https://{host}/@user{n % 50}/{status_id}", "replies_count": 0, "reblogs_count": 0,
        "favourites_count": 0, "edited_at": None,
        "content": f'<p>{text} <a href="https://{host}/tags/{tag.lower()}" class="mention hashtag" '
                   f'rel="tag">#<span>{tag}</span></a></p>',
        "reblog": None, "account": account, "media_attachments": [], "mentions": [],
        "tags": [{"name": tag.lower(), "url": f"https://{host}/tags/{tag.lower()}"}],
        "emojis": [], "card": None, "poll": None,
    }

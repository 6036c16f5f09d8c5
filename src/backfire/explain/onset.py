"""What changed at the onset: the words, tags and accounts whose use rose most from the calm stretch to
the hijack, by the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008,
"Fightin' Words"). For a term w with counts y_a in the hijack, y_b in the calm stretch, totals n_a, n_b,
and a prior a_w = a0 * (its share of both together):

    delta_w = log((y_a + a_w) / (n_a + a0 - y_a - a_w)) - log((y_b + a_w) / (n_b + a0 - y_b - a_w))
    z_w = delta_w / sqrt(1 / (y_a + a_w) + 1 / (y_b + a_w))

Terms are ranked by z (how surely, not only how much, their use rose).

>>> calm = [["proud", "officers"], ["proud", "parade"]] * 20
>>> hijack = [["baton", "officers"], ["baton", "arrest"]] * 20
>>> [t for t, _ in rising(calm, hijack, top=2)]
['baton', 'arrest']
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from backfire.model import Post, Verdict

_WORD = re.compile(r"(?<![#@\w])[a-z][a-z'-]{2,}")
_URL = re.compile(r"https?://\S+")


def rising(calm: Iterable[Sequence[str]], hijack: Iterable[Sequence[str]], top: int = 10,
           prior: float = 500.0, min_count: int = 3) -> list[tuple[str, float]]:
    """Terms whose use rose most from `calm` to `hijack` documents (lists of terms), with their z."""
    a, b = Counter(t for doc in hijack for t in doc), Counter(t for doc in calm for t in doc)
    na, nb = sum(a.values()), sum(b.values())
    both = a + b
    total = na + nb
    if not na or not total:
        return []
    scores = []
    for term, count in a.items():
        if count < min_count:
            continue
        aw = prior * both[term] / total
        delta = (math.log((count + aw) / (na + prior - count - aw))
                 - math.log((b[term] + aw) / (nb + prior - b[term] - aw)))
        scores.append((term, delta / math.sqrt(1 / (count + aw) + 1 / (b[term] + aw))))
    return sorted((s for s in scores if s[1] > 0), key=lambda s: -s[1])[:top]


def words(post: Post, stop: frozenset[str]) -> list[str]:
    return [w for w in _WORD.findall(_URL.sub(" ", post.text.casefold())) if w not in stop]


def onset_changes(pairs: Sequence[tuple[Post, Verdict | None]], onset: datetime | None, stop: Sequence[str] = (),
                  hours: float = 2.0, top: int = 8) -> dict[str, Any] | None:
    """Words, tags and accounts rising most from before `onset` to the `hours` after it (reposts count:
    what spread is what changed), with a one-line summary. None without an onset or a calm stretch."""
    if onset is None:
        return None
    calm = [p for p, _ in pairs if p.created_at < onset]
    hijack = [p for p, _ in pairs if onset <= p.created_at <= onset + timedelta(hours=hours)]
    if len(calm) < 10 or len(hijack) < 10:
        return None
    skip = frozenset(ENGLISH_STOP_WORDS | {s.casefold().lstrip("#@") for s in stop} | {"rt", "amp"})
    tags_stop = {s.casefold().lstrip("#") for s in stop}
    result = {
        "calm_posts": len(calm), "hijack_posts": len(hijack), "hours_after": hours,
        "words": _rows(rising([words(p, skip) for p in calm], [words(p, skip) for p in hijack], top)),
        "tags": _rows(rising([_tags(p, tags_stop) for p in calm], [_tags(p, tags_stop) for p in hijack], top)),
        "accounts": _rows(rising([[p.author.handle] for p in calm], [[p.author.handle] for p in hijack], top,
                                 min_count=2)),
    }
    result["summary"] = summary_line(result)
    return result


def _tags(post: Post, stop: set[str]) -> list[str]:
    return [f"#{t.casefold()}" for t in post.hashtags if t.casefold() not in stop]


def _rows(ranked: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"term": t, "z": round(z, 2)} for t, z in ranked]


def summary_line(changes: dict[str, Any]) -> str:
    """The turn in one line: 'rising: words baton, arrest; tags #nypd; accounts @x'."""
    parts = []
    for name, prefix in (("words", ""), ("tags", ""), ("accounts", "@")):
        terms = [prefix + r["term"] for r in changes[name][:5]]
        if terms:
            parts.append(f"{name} {', '.join(terms)}")
    return "rising most: " + "; ".join(parts) if parts else ""

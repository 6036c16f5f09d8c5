"""The explanation in a few lines of text, in backfire's voice (what `backfire analyze` prints)."""

from __future__ import annotations

from typing import Any


def describe(data: dict[str, Any], top: int = 5) -> list[str]:
    """Readable lines for an `explain` result: the onset, triggers, and each part that is present."""
    lines = [_headline(data)]
    lines += _triggers(data["triggers"], top)
    for part in (_amplifiers, _narratives, _changes, _coordination, _communities):
        lines += part(data, top)
    return lines


def _headline(data: dict[str, Any]) -> str:
    w, c = data["window"], data["cascade"]
    alarms = len(data["alarms"])
    onset = f"onset {data['onset']}" if data["onset"] else "no alarm in this window"
    return (f"{data['campaign']}: {w['posts']:,} posts from {w['first']} to {w['last']}, {c['links']:,} cascade "
            f"links; {alarms} alarm(s), {onset}.")


def _triggers(t: dict[str, Any], top: int) -> list[str]:
    if not t["accounts"]:
        return ["Triggers: none (no hostile reach over the calm level)."]
    lines = [f"Triggers (ranked as the alarms rank them, from {t['basis']}):"]
    for a in t["accounts"][:top]:
        lines.append(f"  @{a['account']}: {a['share_of_hostile_reach']:.0%} of the hostile reach "
                     f"({a['downstream_hostile_reach']:,.0f} followers reached), first post "
                     f"{a['minutes_from_onset']:+.0f} min from the onset")
    for p in t["posts"][:min(3, top)]:
        lines.append(f"  post {p['id']} by @{p['author']} ({p['reposts']} reposts, {p['answers']} answers): "
                     f"{_short(p['text'])}")
    return lines


def _amplifiers(data: dict[str, Any], top: int) -> list[str]:
    rows = data.get("amplifiers") or []
    if not rows:
        return []
    names = ", ".join(f"@{a['account']} ({a['downstream_hostile_reach']:,.0f})" for a in rows[:top])
    return [f"Amplifiers (hostile reach carried): {names}"]


def _narratives(data: dict[str, Any], top: int) -> list[str]:
    lines = []
    for side in ("hostile", "support"):
        groups = (data.get("narratives") or {}).get(side) or []
        if groups:
            lines.append(f"Narratives ({side}):")
            for n in groups[:top]:
                example = _short(n["examples"][0]["text"]) if n["examples"] else ""
                lines.append(f"  {n['size']:,} posts: {', '.join(n['terms'][:6])}  e.g. {example}")
    return lines


def _changes(data: dict[str, Any], top: int) -> list[str]:
    changes = data.get("onset_changes")
    return [f"What changed at the onset: {changes['summary']}"] if changes and changes.get("summary") else []


def _coordination(data: dict[str, Any], top: int) -> list[str]:
    c = data.get("coordination") or {}
    lines = []
    for g in (c.get("identical_texts") or [])[:3]:
        lines.append(f"  {g['accounts']} accounts posted the same text within {g['minutes']:.0f} min: "
                     f"{_short(g['text'])}")
    for a in (c.get("busy_accounts") or [])[:3]:
        lines.append(f"  @{a['account']} posted {a['max_per_10min']} times in 10 min ({a['posts']} in all)")
    return ["Signals worth checking (evidence, not accusations):", *lines] if lines else []


def _communities(data: dict[str, Any], top: int) -> list[str]:
    groups = data.get("communities") or []
    if not groups:
        return []
    parts = [f"{g['size']} accounts around @{g['top_accounts'][0]} ({g['hostile_share']:.0%} hostile)"
             for g in groups[:3]]
    return ["Communities: " + "; ".join(parts)]


def _short(text: str, n: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"

"""The curation queue of one campaign: refresh it from the stored verdicts, decide on posts, correct stances.

States: `pending` (offered for review), `held` (kept back: by a reviewer, or because the tag turned),
`approved` (safe to feature), `rejected` (a reviewer said no), `excluded` (no longer a candidate: deleted,
re-read as hostile, its author found to have driven the hijack; even an approved post is withdrawn).
Every change is written with its audit row (who, what, when, why).

>>> from datetime import UTC, datetime
>>> from backfire.model import Author, Campaign, Post, Verdict
>>> from backfire.store import open_store
>>> store = open_store(":memory:")
>>> store.save_campaign(Campaign(name="c", tags=["x"]))
>>> post = Post(id="1", platform="csv", author=Author(handle="ann"), text="Thank you officers",
...             created_at=datetime(2024, 5, 1, tzinfo=UTC))
>>> _ = store.add_posts([post], "c")
>>> store.save_verdicts("c", [("csv:1", Verdict(post_id="1", stance="support", p_hostile=0.02, p_support=0.95))])
>>> refresh(store, store.campaign("c")).queued
1
>>> decide(store, "c", "csv:1", "approve", "rita", "lovely").state
'approved'
>>> [e.action for e in store.curation_log("c")]
['approve:approved', 'queued:pending']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from backfire.curate.select import Rules, select
from backfire.explain.analysis import load_pairs
from backfire.model import Alarm, Campaign
from backfire.store import AuditEntry, CurationItem, Label, Store

STATES = ("pending", "held", "approved", "rejected", "excluded")
ACTIONS = {"approve": "approved", "hold": "held", "reject": "rejected", "release": "pending"}
LIVE = ("pending", "held", "approved")  # states a post keeps only while it is still a candidate
STANCES = ("hostile", "neutral", "support")


class CurationError(ValueError):
    """A queue action that cannot be done as asked (the message says what to do instead)."""


@dataclass
class RefreshResult:
    candidates: int = 0
    queued: int = 0
    held: int = 0
    withdrawn: int = 0
    drivers: list[str] = field(default_factory=list)
    alarm: Alarm | None = None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def active_alarm(store: Store, campaign: str, hold_hours: float = 6.0) -> Alarm | None:
    """The latest alarm if it is recent: at most `hold_hours` before the campaign's latest post."""
    alarms = store.alarms(campaign)
    if not alarms:
        return None
    last = store.time_span(campaign)[1]
    alarm = alarms[-1]
    if last is None or alarm.at >= last - timedelta(hours=hold_hours):
        return alarm
    return None


def hold_message(alarm: Alarm, campaign: str) -> str:
    return (f"Held: #{campaign} turned at {alarm.at:%Y-%m-%d %H:%M} UTC (hostile share "
            f"{alarm.hostile_share:.0%}, {alarm.severity}); approve only what you have checked.")


def refresh(store: Store, campaign: Campaign, rules: Rules | None = None, actor: str = "backfire",
            hold_hours: float = 6.0, now: datetime | None = None) -> RefreshResult:
    """Bring the queue up to date with the stored posts, verdicts, labels and alarms (see the module doc).

    Loads the campaign's posts once (as `analyze` does), to replay the detector for the hijack's drivers."""
    at = _now(now)
    labels = {lb.post_key: lb.stance for lb in store.labels(campaign.name)}
    chosen = select(load_pairs(store, campaign), campaign, rules, labels)
    store.set_drivers(campaign.name, [(a, role, d) for a, (role, d) in chosen.drivers.items()])
    existing = {i.key: i for i in store.curation_items(campaign.name)}
    alarm = active_alarm(store, campaign.name, hold_hours)
    state, reason = ("held", hold_message(alarm, campaign.name)) if alarm else ("pending", "")
    new = [CurationItem(campaign.name, c.post.key, state, reason, c.risk, c.post.created_at, at, actor)
           for c in chosen.candidates
           if c.post.key not in existing or existing[c.post.key].state == "excluded"]
    keys = {c.post.key for c in chosen.candidates}
    gone = [CurationItem(i.campaign, i.key, "excluded", _gone_reason(store, i.key, chosen.excluded), i.risk,
                         i.created_at, at, actor)
            for i in existing.values() if i.state in LIVE and i.key not in keys]
    store.set_curation(new, "queued")
    store.set_curation(gone, "withdrawn")
    return RefreshResult(len(chosen.candidates), len(new), len(new) if alarm else 0, len(gone),
                         list(chosen.drivers), alarm)


def _gone_reason(store: Store, key: str, excluded: dict[str, str]) -> str:
    if store.is_deleted(key):
        return "deleted by its author"
    return excluded.get(key, "no longer in the campaign")


def decide(store: Store, campaign: str, key: str, action: str, reviewer: str, reason: str = "",
           hold_hours: float = 6.0, now: datetime | None = None) -> CurationItem:
    """Approve, hold, reject or release (back to pending) one queued post, with the reviewer's reason.

    Rejecting needs a reason; so does approving while the tag has turned (the queue is held)."""
    if action not in ACTIONS:
        raise CurationError(f"Unknown action {action!r}: use one of {', '.join(ACTIONS)}.")
    item = store.curation_item(campaign, key)
    if item is None:
        raise CurationError(f"{key} is not in the queue of {campaign!r}; run `backfire curate refresh` first.")
    if item.state == "excluded":
        raise CurationError(f"{key} was excluded ({item.reason}); it cannot be featured.")
    if store.is_deleted(key):
        raise CurationError(f"{key} was deleted by its author; it cannot be featured.")
    if action == "reject" and not reason.strip():
        raise CurationError("Give a reason to reject a post (it goes in the audit log).")
    alarm = active_alarm(store, campaign, hold_hours)
    if action == "approve" and alarm is not None and not reason.strip():
        raise CurationError(f"{hold_message(alarm, campaign)} Give a reason to approve it anyway.")
    changed = CurationItem(campaign, key, ACTIONS[action], reason.strip(), item.risk, item.created_at, _now(now),
                           reviewer)
    store.set_curation([changed], action)
    return changed


def correct(store: Store, campaign: str, key: str, stance: str, reviewer: str, reason: str = "",
            now: datetime | None = None) -> Label:
    """Store a reviewer's stance correction as a label (the classifier's per-campaign adaptation reads it);
    a queued post corrected to hostile or neutral is rejected at once."""
    if stance not in STANCES:
        raise CurationError(f"Unknown stance {stance!r}: use one of {', '.join(STANCES)}.")
    if store.get_post(key) is None:
        raise CurationError(f"No post {key!r} in the store; keys look like platform:id.")
    at = _now(now)
    label = Label(campaign=campaign, post_key=key, stance=stance, reviewer=reviewer, reason=reason, at=at)
    store.add_label(label)
    store.log_curation(AuditEntry(campaign, key, reviewer, f"correct:{stance}", reason, at))
    item = store.curation_item(campaign, key)
    if item is not None and stance != "support" and item.state in LIVE:
        store.set_curation([CurationItem(campaign, key, "rejected", f"a reviewer read it as {stance}", item.risk,
                                         item.created_at, at, reviewer)], "reject")
    return label


def approved(store: Store, campaign: str) -> Iterable[CurationItem]:
    """The approved posts, safest first."""
    return store.curation_items(campaign, ["approved"])

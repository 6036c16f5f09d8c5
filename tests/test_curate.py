"""The curation queue: candidates are safe, drivers and hostile threads are left out, decisions are audited."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backfire.cli import app
from backfire.curate import CurationError, correct, decide, export_approved, refresh, select
from backfire.model import Alarm, Campaign, Deletion, Verdict
from backfire.simulate import generate
from backfire.simulate.oracle import PerfectReader
from backfire.store import Store, open_store
from conftest import make_post

CAMPAIGN = Campaign(name="c", tags=["myNYPD"], owners=["NYPDnews"])


def _verdict(post_id: str, stance: str, p: float, sarcasm: float = 0.0, offensive: float = 0.0) -> Verdict:
    return Verdict(post_id=post_id, stance=stance, p_hostile=p, p_support=0.95 if stance == "support" else 0.1,  # type: ignore[arg-type]
                   sarcasm=sarcasm, offensive=offensive)


def _fill(store: Store, rows: list[tuple[int, str, str, float, dict]]) -> None:  # type: ignore[type-arg]
    store.save_campaign(CAMPAIGN)
    posts, verdicts = [], []
    for i, author, stance, p, extra in rows:
        post = make_post(i, text=extra.pop("text", f"post {i}"), author=author, **extra)
        posts.append(post)
        verdicts.append((post.key, _verdict(post.id, stance, p)))
    store.add_posts(posts, "c")
    store.save_verdicts("c", verdicts)


def test_simulated_hijack_queue_holds_no_hostile_post_and_no_trigger() -> None:
    sim = generate("mynypd", seed=11, hours=6)
    pairs = list(zip(sim.posts, PerfectReader(sim.labels).predict_many(sim.posts), strict=True))
    chosen = select(pairs, sim.campaign)
    assert len(chosen.candidates) > 20
    first = chosen.candidates[:100]
    assert sum(sim.labels[c.post.id].stance == "hostile" for c in first) == 0
    assert not any(sim.labels[c.post.id].sarcastic for c in first)
    assert not any(c.post.author.handle in sim.truth.trigger_accounts for c in chosen.candidates)
    assert not any(c.post.is_repost for c in chosen.candidates)
    assert [c.risk for c in chosen.candidates] == sorted(c.risk for c in chosen.candidates)


def _as_the_shipped_classifier_reads(sim_label: object, post_id: str) -> Verdict:
    """A verdict with the shipped classifier's measured blind spots (benchmarks/curate_safety.py): sarcastic
    praise read as support with p_support 0.9 and sarcasm 0.3, "the campaign is going great, @org" answers
    to hostile posts read as support with sarcasm 0.2, neutral news read as support with p_support 0.6."""
    stance, sarcastic, kind = sim_label.stance, sim_label.sarcastic, sim_label.kind  # type: ignore[attr-defined]
    if stance == "support":
        return Verdict(post_id=post_id, stance="support", p_hostile=0.02, p_support=0.93, sarcasm=0.08)
    if stance == "neutral":
        return Verdict(post_id=post_id, stance="support", p_hostile=0.03, p_support=0.6, sarcasm=0.1)
    if sarcastic:
        return Verdict(post_id=post_id, stance="support", p_hostile=0.01, p_support=0.9, sarcasm=0.3)
    if kind == "reply_agree":
        return Verdict(post_id=post_id, stance="support", p_hostile=0.005, p_support=0.93, sarcasm=0.2)
    return Verdict(post_id=post_id, stance="hostile", p_hostile=0.9, p_support=0.05, sarcasm=0.1)


def test_the_queue_keeps_out_what_the_classifier_misreads_as_support() -> None:
    """Regression guard for the rules benchmarks/curate_safety.py set: with the former rules (sarcasm < 0.5,
    p_support unbounded, answers allowed) this queue held sarcastic attacks, answers and neutral posts."""
    sim = generate("mynypd", seed=5, hours=4)
    pairs = [(p, _as_the_shipped_classifier_reads(sim.labels[p.id], p.id)) for p in sim.posts]
    assert any(sim.labels[p.id].kind == "reply_agree" for p in sim.posts)
    chosen = select(pairs, sim.campaign)
    truths = [sim.labels[c.post.id] for c in chosen.candidates]
    assert len(truths) >= 5 and all(t.stance == "support" and not t.sarcastic for t in truths)
    reasons = " | ".join(chosen.excluded.values())
    assert "sarcastic (0.30)" in reasons and "p_support 0.60 below 0.80" in reasons and "an answer to @" in reasons


def test_exclusions_name_their_reason(fresh_store: Store) -> None:
    _fill(fresh_store, [
        (1, "ann", "support", 0.05, {}),
        (2, "bob", "support", 0.05, {"repost_of": "1"}),
        (3, "cat", "hostile", 0.9, {"text": "So gentle"}),
        (4, "dan", "support", 0.05, {"text": "@cat yes!"}),
        (5, "NYPDnews", "support", 0.01, {}),
        (6, "eve", "support", 0.35, {}),
    ])
    fresh_store.save_verdicts("c", [("twitter:7", _verdict("7", "support", 0.05, sarcasm=0.8))])
    fresh_store.add_posts([make_post(7, author="fay")], "c")
    post4 = fresh_store.get_post("twitter:4")
    assert post4 is not None
    fresh_store.add_posts([post4.model_copy(update={"id": "8", "reply_to": "3", "text": "Indeed"})], "c")
    fresh_store.save_verdicts("c", [("twitter:8", _verdict("8", "support", 0.05))])
    pairs = [(p, fresh_store.verdicts("c").get(p.key)) for p in fresh_store.posts("c")]
    chosen = select(pairs, CAMPAIGN)
    assert [c.post.id for c in chosen.candidates] == ["1"]
    why = chosen.excluded
    assert "repost" in why["twitter:2"] and "hostile" in why["twitter:3"]
    assert "organiser" in why["twitter:5"] and "p_hostile" in why["twitter:6"]
    assert "sarcastic" in why["twitter:7"] and "hostile thread" in why["twitter:8"]


def test_decisions_are_audited_and_deleted_posts_withdrawn(fresh_store: Store) -> None:
    _fill(fresh_store, [(1, "ann", "support", 0.05, {}), (2, "bo", "support", 0.1, {}),
                        (3, "cy", "support", 0.02, {})])
    result = refresh(fresh_store, CAMPAIGN)
    assert result.queued == 3 and result.alarm is None
    assert [i.key for i in fresh_store.curation_items("c")] == ["twitter:3", "twitter:1", "twitter:2"]
    with pytest.raises(CurationError, match="reason"):
        decide(fresh_store, "c", "twitter:2", "reject", "rita")
    decide(fresh_store, "c", "twitter:1", "approve", "rita", "a family photo")
    decide(fresh_store, "c", "twitter:3", "approve", "rita")
    decide(fresh_store, "c", "twitter:2", "reject", "rita", "off topic")
    fresh_store.mark_deleted([Deletion(platform="twitter", id="3")])
    assert refresh(fresh_store, CAMPAIGN).withdrawn == 1
    item = fresh_store.curation_item("c", "twitter:3")
    assert item is not None and item.state == "excluded" and "deleted" in item.reason
    with pytest.raises(CurationError, match="excluded"):
        decide(fresh_store, "c", "twitter:3", "approve", "rita")
    log = fresh_store.curation_log("c")
    assert (log[0].actor, log[0].action) == ("backfire", "withdrawn:excluded")
    assert any(e.actor == "rita" and e.action == "reject:rejected" and e.reason == "off topic" for e in log)
    out = io.StringIO()
    assert export_approved(fresh_store, "c", out, "jsonl") == 1
    row = json.loads(out.getvalue())
    assert row["id"] == "1" and row["media_urls"] == ["https://img.example/1.jpg"] and row["approved_by"] == "rita"
    out = io.StringIO()
    export_approved(fresh_store, "c", out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["media_urls"] for r in rows] == ["https://img.example/1.jpg"]


def test_an_active_alarm_holds_new_candidates(fresh_store: Store) -> None:
    _fill(fresh_store, [(1, "ann", "support", 0.05, {}), (30, "bo", "support", 0.05, {})])
    fresh_store.save_alarm("c", Alarm(at=datetime(2014, 4, 22, 18, 20, tzinfo=UTC), severity="warning",
                                      hostile_share=0.6))
    result = refresh(fresh_store, CAMPAIGN)
    assert result.alarm is not None and result.held == 2
    assert {i.state for i in fresh_store.curation_items("c")} == {"held"}
    with pytest.raises(CurationError, match="turned"):
        decide(fresh_store, "c", "twitter:1", "approve", "rita")
    assert decide(fresh_store, "c", "twitter:1", "approve", "rita", "checked the photo").state == "approved"


def test_a_correction_is_a_label_and_takes_the_post_out(fresh_store: Store) -> None:
    _fill(fresh_store, [(1, "ann", "support", 0.05, {}), (2, "bo", "neutral", 0.05, {})])
    refresh(fresh_store, CAMPAIGN)
    correct(fresh_store, "c", "twitter:1", "hostile", "rita", "mock praise over a baton photo")
    correct(fresh_store, "c", "twitter:2", "support", "rita")
    labels = {lb.post_key: lb.stance for lb in fresh_store.labels("c")}
    assert labels == {"twitter:1": "hostile", "twitter:2": "support"}
    item = fresh_store.curation_item("c", "twitter:1")
    assert item is not None and item.state == "rejected"
    refresh(fresh_store, CAMPAIGN)  # the reviewer's "support" lets the neutral-read post in
    assert fresh_store.curation_item("c", "twitter:2") is not None
    assert fresh_store.curation_item("c", "twitter:1").state == "rejected"  # type: ignore[union-attr]


def test_cli_refresh_approve_export_and_users(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    with open_store(db) as store:
        _fill(store, [(1, "ann", "support", 0.05, {}), (2, "bo", "support", 0.1, {})])
    run = CliRunner()
    result = run.invoke(app, ["curate", "refresh", "c", "--db", db])
    assert result.exit_code == 0, result.output
    listed = run.invoke(app, ["curate", "list", "c", "--db", db, "--json"])
    assert [json.loads(line)["key"] for line in listed.stdout.splitlines()] == ["twitter:1", "twitter:2"]
    assert run.invoke(app, ["curate", "approve", "c", "twitter:1", "--db", db, "--reviewer", "rita"]).exit_code == 0
    assert run.invoke(app, ["curate", "reject", "c", "twitter:2", "--db", db]).exit_code != 0  # no reason
    out = tmp_path / "approved.csv"
    assert run.invoke(app, ["curate", "export", "c", "--db", db, "-o", str(out), "--format", "csv"]).exit_code == 0
    assert "https://img.example/1.jpg" in out.read_text()
    assert "rita" in run.invoke(app, ["curate", "log", "c", "--db", db]).stdout
    assert run.invoke(app, ["users", "add", "ada", "--role", "admin", "--password-stdin", "--db", db],
                      input="short\n").exit_code == 1
    added = run.invoke(app, ["users", "add", "ada", "--role", "admin", "--password-stdin", "--db", db],
                       input="a long enough secret\n")
    assert added.exit_code == 0, added.output
    assert "ada\tadmin" in run.invoke(app, ["users", "list", "--db", db]).stdout
    with open_store(db) as store:
        user = store.user("ada")
        assert user is not None and user.hash.startswith("$argon2id$") and "secret" not in user.hash
    assert run.invoke(app, ["users", "remove", "ada", "--db", db]).exit_code == 0


def test_a_schema_2_store_gains_the_queue_and_search_in_place(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    with open_store(path) as store:
        store.save_campaign(CAMPAIGN)
        store.add_posts([make_post(1, text="Thank you officers"), make_post(2, text="Gentle")], "c")
    db = sqlite3.connect(path)  # back to schema 2: drop what schema 3 added
    db.executescript("DROP TABLE curation; DROP TABLE curation_log; DROP TABLE curation_drivers; DROP TABLE users;"
                     "DROP TABLE sessions; DROP TRIGGER posts_fts_edit; DROP TABLE posts_fts;"
                     "UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.close()
    with open_store(path) as store:
        total, found = store.search_posts("c", "officers")
        assert total == 1 and found[0][0].id == "1"
        assert store.curation_counts("c") == {}
    assert sqlite3.connect(path).execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("5",)

"""The core CLI commands, run as a user runs them (Typer's runner, real files, a real SQLite store)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from backfire.cli import app

CSV = ("id,created_at,author,text\n"
       "c1,2014-04-22T18:00:00Z,alice,Proud of our officers today #myNYPD\n"
       "c2,2014-04-22T18:01:00Z,bob,<script>alert(1)</script> #myNYPD\n"
       "c3,2014-04-22T18:02:00Z,carol,Such gentle crowd control from @NYPDnews #myNYPD\n")


def _csv(tmp_path: Path, text: str = CSV) -> Path:
    path = tmp_path / "posts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_classify_writes_one_line_per_post_in_order(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "v.jsonl"
    r = runner.invoke(app, ["classify", str(_csv(tmp_path)), "-o", str(out), "--model", "baseline"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["id"] for row in rows] == ["c1", "c2", "c3"]
    for row in rows:
        assert row["stance"] in {"support", "neutral", "hostile"}
        assert 0 <= row["p_hostile"] <= 1 and 0 <= row["sarcasm"] <= 1 and -1 <= row["sentiment"] <= 1
        assert row["sentiment_label"] in {"negative", "neutral", "positive"}


def test_classify_without_ids_uses_row_numbers_and_reports_bad_rows(runner: CliRunner, tmp_path: Path) -> None:
    src = _csv(tmp_path, "text\nfirst post #tag\nsecond post #tag\n")
    r = runner.invoke(app, ["classify", str(src), "--model", "baseline"])
    assert r.exit_code == 0
    ids = [json.loads(line)["id"] for line in r.stdout.splitlines() if line.startswith("{")]
    assert ids == ["0", "1"]


def test_classify_a_missing_file_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(app, ["classify", str(tmp_path / "nope.csv")])
    assert r.exit_code == 2
    assert "No such file" in r.output


def test_detect_json_has_an_alarms_list(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(app, ["detect", str(_csv(tmp_path)), "--tag", "myNYPD", "--owner", "NYPDnews", "--json",
                            "--model", "baseline"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["alarms"] == [] and out["posts"] == 3


def test_detect_finds_the_owner_of_a_jetstream_file_by_did_or_by_a_handle_its_posts_mention(
        runner: CliRunner, tmp_path: Path) -> None:
    from backfire.simulate import write_simulation

    path = tmp_path / "bluesky.jsonl"
    sim, truth_path = write_simulation("viral-success", 2, path, "jetstream", hours=1)
    did = json.loads(truth_path.read_text())["campaign"]["owners"][0]
    handle = sim.campaign.owners[0]
    assert did.startswith("did:") and any(handle in p.mentions for p in sim.posts)
    base = ["detect", str(path), "--tag", sim.campaign.tags[0], "--model", "baseline", "--json"]
    results = {}
    for owner in (did, handle, handle.upper()):  # authors are DIDs; the handle resolves through mentions
        r = runner.invoke(app, [*base, "--owner", owner])
        assert r.exit_code == 0 and "no post in" not in r.stderr, (owner, r.stderr)
        results[owner] = json.loads(r.stdout)
    assert results[did] == results[handle] == results[handle.upper()]
    owner_posts = sum(p.author.handle == handle for p in sim.posts)
    assert results[handle]["owner_posts"] == owner_posts > 0  # every one of them skipped, not only named
    nobody = runner.invoke(app, [*base, "--owner", "nobody.bsky.social"])  # mentioned nowhere
    assert nobody.exit_code == 0 and "no post in" in nobody.stderr and "DID" in nobody.stderr
    assert json.loads(nobody.stdout)["owner_posts"] == 0


def test_detect_counts_a_post_the_file_repeats_once(runner: CliRunner, tmp_path: Path) -> None:
    from backfire.simulate import write_simulation

    once = tmp_path / "once.jsonl"
    sim, _ = write_simulation("mynypd", 4, once, "twitter-v2", hours=4)
    lines = once.read_text(encoding="utf-8").splitlines(keepends=True)
    twice = tmp_path / "twice.jsonl"  # an export of overlapping pages: the second half of the stream again
    twice.write_text("".join(lines + lines[len(lines) // 2:]), encoding="utf-8")
    base = ["--tag", sim.campaign.tags[0], "--owner", sim.campaign.owners[0], "--json"]
    results = {}
    for path in (once, twice):
        r = runner.invoke(app, ["detect", str(path), *base])
        assert r.exit_code == 0, r.output
        results[path.name] = json.loads(r.stdout)
    assert results["once.jsonl"]["alarms"], "the stream is a hijack: without an alarm the test shows nothing"
    assert results["twice.jsonl"] == results["once.jsonl"]
    assert f"{len(lines) - len(lines) // 2:,} repeated records" in r.stderr


def test_ingest_export_report_quarantine(runner: CliRunner, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id_str": "1", "text": \n', encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(_csv(tmp_path)), "--campaign", "c", "--tag", "myNYPD",
                            "--owner", "NYPDnews", "--db", db])
    assert r.exit_code == 0, r.output
    assert "Ingested 3 posts" in r.output
    r = runner.invoke(app, ["ingest", str(_csv(tmp_path)), "--campaign", "c", "--db", db])
    assert "Ingested 0 posts" in r.output
    r = runner.invoke(app, ["ingest", str(bad), "--campaign", "c", "--db", db, "--format", "twitter-v1"])
    assert r.exit_code == 1 and "1 quarantined" in r.output
    r = runner.invoke(app, ["quarantine", "--db", db])
    assert "bad.jsonl:1:" in r.stdout
    out = tmp_path / "e.csv"
    r = runner.invoke(app, ["export", "c", "-o", str(out), "--format", "csv", "--db", db, "--model", "baseline"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["id"] for row in rows] == ["c1", "c2", "c3"]
    assert {"platform", "author", "created_at", "text", "stance", "p_hostile"} <= set(rows[0])
    r = runner.invoke(app, ["report", "c", "--out", str(tmp_path / "rep"), "--db", db])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<svg" in html


def test_unknown_campaign_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(app, ["export", "nope", "--db", str(tmp_path / "s.db")])
    assert r.exit_code == 2
    assert "No campaign named 'nope'" in r.output


def test_settings_precedence_flag_env_file(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    from backfire import settings

    cfg = tmp_path / "backfire.toml"
    cfg.write_text('db = "from-file.db"\n', encoding="utf-8")
    monkeypatch.setenv("BACKFIRE_CONFIG", str(cfg))
    assert settings.DB.resolve(None) == "from-file.db"
    monkeypatch.setenv("BACKFIRE_DB", "from-env.db")
    assert settings.DB.resolve(None) == "from-env.db"
    assert settings.DB.resolve("from-flag.db") == "from-flag.db"

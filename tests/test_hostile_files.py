"""Hostile files (issue 31): JSON nested thousands deep, a folder given to classify, a CSV with an unterminated
quote, text given as a number, empty files and folders."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from backfire.cli import app
from backfire.model import Post, Quarantined
from backfire.sources import read_posts

DEEP = "[" * 10_000 + "]" * 10_000


def _tweet(i: int, text: object = None) -> dict[str, object]:
    return {"id_str": str(i), "created_at": f"Tue Apr 22 18:00:{i:02d} +0000 2014",
            "text": f"Proud of our officers {i} #myNYPD" if text is None else text,
            "user": {"id_str": "1", "screen_name": "alice", "followers_count": 3}}


def _split(path: Path) -> tuple[list[Post], list[Quarantined]]:
    items = list(read_posts(path))
    return [p for p in items if isinstance(p, Post)], [q for q in items if isinstance(q, Quarantined)]


def test_a_deep_element_of_a_json_array_is_quarantined_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("[" + ",".join([json.dumps(_tweet(1)), json.dumps(_tweet(2)), DEEP, '{"a": "[{\\"]"}',
                                    json.dumps(_tweet(3))]) + "]")
    posts, bad = _split(path)
    assert [p.id for p in posts] == ["1", "2", "3"]
    assert "nested too deeply" in bad[0].reason and bad[0].line == 3


def test_deep_pretty_printed_json_is_quarantined_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_tweet(1), indent=2) + "\n" + '{"x": ' + DEEP + "}\n" + json.dumps(_tweet(2), indent=2))
    posts, bad = _split(path)
    assert [p.id for p in posts] == ["1", "2"]
    assert len(bad) == 1 and "nested too deeply" in bad[0].reason


def test_ingest_of_a_deep_file_stores_the_good_records(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("[" + ",".join([json.dumps(_tweet(1)), DEEP, json.dumps(_tweet(2))]) + "]")
    db = str(tmp_path / "s.db")
    r = runner.invoke(app, ["ingest", str(path), "--campaign", "c", "--db", db])
    assert r.exit_code == 0, r.output
    assert "Ingested 2 posts" in r.output and "1 quarantined" in r.output


def test_classify_refuses_a_folder_and_leaves_no_output(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["classify", str(tmp_path / "in"), "-o", str(out), "--model", "baseline"])
    assert r.exit_code == 2 and "is a folder" in r.output
    assert not out.exists()


def test_a_failed_classify_leaves_no_output_file(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["classify", str(bad), "-o", str(out), "--model", "baseline"])
    assert r.exit_code != 0
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


def test_a_csv_with_an_unterminated_quote_is_reported_not_swallowed(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    rows = ["id,created_at,author,text", '1,2014-04-22T18:00:00Z,alice,"Proud of our officers #myNYPD']
    rows += [f"{i},2014-04-22T18:{i % 60:02d}:00Z,user{i},Another ordinary post number {i} about #myNYPD"
             for i in range(2, 80)]
    path.write_text("\n".join(rows) + "\n")
    posts, bad = _split(path)
    assert not any(len(p.text) > 2000 for p in posts)
    assert bad and "unterminated quote" in bad[0].reason and bad[0].line == 2


def test_text_given_as_a_number_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text(json.dumps(_tweet(1, text=2014)) + "\n" + json.dumps(_tweet(2, text=["x"])) + "\n")
    posts, bad = _split(path)
    assert [p.text for p in posts] == ["2014"]
    assert "has no 'text'" not in bad[0].reason and "JSON array, not text" in bad[0].reason


def test_an_empty_file_or_folder_is_warned_about(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "nothing").mkdir()
    db = str(tmp_path / "s.db")
    r = runner.invoke(app, ["ingest", str(tmp_path / "empty.jsonl"), "--campaign", "c", "--db", db])
    assert "empty.jsonl is empty" in r.output
    r = runner.invoke(app, ["ingest", str(tmp_path / "nothing"), "--campaign", "c", "--db", db])
    assert "holds no file" in r.output

"""Bad input never stops a read: every good record comes out in order, every bad one is quarantined
with the right 1-based line number and a reason, and nothing else is lost."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from backfire.model import Post, Quarantined
from backfire.sources import SourceError, detect_format, input_id, read_posts

DATA = Path(__file__).parent / "data"


def tweet(n: int, text: str = "Proud of our officers #MyHCPD", **extra: Any) -> dict[str, Any]:
    return {"id_str": str(n), "created_at": "Tue Apr 22 18:02:11 +0000 2014", "text": text,
            "user": {"id_str": str(1000 + n), "screen_name": f"user{n}", "followers_count": n}, **extra}


def line(record: Any) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"


def split(items: list[Post | Quarantined]) -> tuple[list[str], list[tuple[int, str]]]:
    posts = [input_id(i) for i in items if isinstance(i, Post)]
    bad = [(i.line, i.reason) for i in items if isinstance(i, Quarantined)]
    return posts, bad


@pytest.fixture
def interleaved(tmp_path: Path) -> Path:
    """Good tweets (ids 1-7) with every kind of bad line between them."""
    rows = [
        line(tweet(1)),                                                     # 1
        b'{"id_str": "99", "created_at": "Tue Apr 22 18:02:11 +0000 2014", "te\n',  # 2 truncated
        line(tweet(2)),                                                     # 3
        b"\n",                                                              # 4 blank: skipped silently
        line({**tweet(98), "user": "not-an-object"}),                       # 5 wrong type
        line(tweet(3, text="caf\u00e9 \U0001F46E #MyHCPD")),                # 6
        line(tweet(97)).replace(b"Proud", b"Pr\xff\xfeud"),                 # 7 invalid UTF-8
        line({"limit": {"track": 5, "timestamp_ms": "1398190000000"}}),      # 8 not a post
        line(tweet(4)),                                                     # 9
        line({k: v for k, v in tweet(96).items() if k != "user"}),          # 10 missing field
        line([1, 2, 3]),                                                    # 11 not an object
        line({**tweet(95), "user": {"screen_name": "x", "followers_count": -3}}),  # 12 invalid value
        line(tweet(5)),                                                     # 13
        line({**tweet(94), "created_at": "yesterday"}),                     # 14 bad time
        b"   \r\n",                                                         # 15 blank
        line(tweet(6)).replace(b"\n", b"\r\n"),                             # 16 CRLF is fine
        b"not json at all\n",                                               # 17 malformed
        line(tweet(7)).rstrip(b"\n"),                                       # 18 last line, no newline
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(rows))
    return path


def test_bad_lines_are_quarantined_between_good_ones(interleaved: Path) -> None:
    items = list(read_posts(interleaved, "twitter-v1"))
    posts, bad = split(items)
    assert posts == ["1", "2", "3", "4", "5", "6", "7"]
    assert [n for n, _ in bad] == [2, 5, 7, 8, 10, 11, 12, 14, 17]
    reasons = dict(bad)
    assert reasons[2].startswith("truncated JSON")
    assert reasons[5].startswith("invalid record") and "user" in reasons[5]
    assert reasons[7].startswith("invalid UTF-8 at byte")
    assert reasons[8] == "not a post: v1.1 limit notice"
    assert reasons[10] == "missing field: tweet has no 'user'"
    assert reasons[11].startswith("not a JSON object")
    assert reasons[12].startswith("invalid record: wrong types") and "followers" in reasons[12]
    assert "yesterday" in reasons[14]
    assert reasons[17].startswith("malformed JSON")
    assert all(isinstance(i, Quarantined) and i.path == str(interleaved) and i.format == "twitter-v1"
               for i in items if not isinstance(i, Post))


def test_format_detection_skips_bad_lines(interleaved: Path) -> None:
    assert detect_format(interleaved) == "twitter-v1"
    posts, bad = split(list(read_posts(interleaved)))
    assert len(posts) == 7 and len(bad) == 9


def test_snippets_are_short_and_readable(interleaved: Path) -> None:
    bad = [i for i in read_posts(interleaved) if isinstance(i, Quarantined)]
    assert all(len(q.snippet) <= 200 for q in bad)
    assert bad[0].snippet.startswith('{"id_str": "99"')
    assert "\ufffd" in bad[2].snippet  # the invalid bytes, replaced for display


def test_a_10_mb_line_is_parsed_or_quarantined_without_losing_neighbours(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    huge = tweet(2, text="x" * (10 * 1024 * 1024) + " #MyHCPD")
    path.write_bytes(line(tweet(1)) + line(huge) + line(tweet(3)))
    posts = [p for p in read_posts(path) if isinstance(p, Post)]
    assert [p.id for p in posts] == ["1", "2", "3"] and posts[1].hashtags == ["MyHCPD"]
    limited = list(read_posts(path, max_line_bytes=1024 * 1024))
    ids, bad = split(limited)
    assert ids == ["1", "3"]
    assert bad == [(2, "line too long: over 1,048,576 bytes")]


def test_an_unterminated_10_mb_last_line(tmp_path: Path) -> None:
    path = tmp_path / "tail.jsonl"
    path.write_bytes(line(tweet(1)) + b'{"text": "' + b"y" * (10 * 1024 * 1024))
    ids, bad = split(list(read_posts(path, "twitter-v1")))
    assert ids == ["1"] and len(bad) == 1 and bad[0][0] == 2 and bad[0][1].startswith("truncated JSON")


def test_empty_and_blank_files_yield_nothing(tmp_path: Path) -> None:
    for name, content in (("empty.jsonl", b""), ("blank.jsonl", b"\n  \n\n"), ("empty.csv", b"")):
        path = tmp_path / name
        path.write_bytes(content)
        assert list(read_posts(path)) == []
        with pytest.raises(SourceError, match="empty"):
            detect_format(path)


def test_gzip_is_recognised_by_its_magic_bytes(tmp_path: Path) -> None:
    path = tmp_path / "archive.dat"
    shutil.copy(DATA / "twitter_v1_sample.jsonl.gz", path)
    assert detect_format(path) == "twitter-v1"
    assert len([p for p in read_posts(path) if isinstance(p, Post)]) == 6


def test_truncated_gzip_keeps_what_was_readable(tmp_path: Path) -> None:
    body = b"".join(line(tweet(n, text="Proud #MyHCPD " + "z" * 300 + str(n))) for n in range(1, 201))
    packed = gzip.compress(body)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    items = list(read_posts(path, "twitter-v1"))
    ids, bad = split(items)
    assert ids == [str(n) for n in range(1, len(ids) + 1)] and len(ids) > 10
    assert len(bad) <= 2 and bad[-1][1].startswith("unreadable")


def test_zstd_input(tmp_path: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    path = tmp_path / "posts.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(line(tweet(1)) + line(tweet(2))))
    assert [p.id for p in read_posts(path) if isinstance(p, Post)] == ["1", "2"]


def test_json_array_with_a_bad_element(tmp_path: Path) -> None:
    good = json.dumps([tweet(1), tweet(2), {"delete": {}}, tweet(3)], indent=2)
    path = tmp_path / "array.json"
    path.write_text(good, encoding="utf-8")
    ids, bad = split(list(read_posts(path)))
    assert ids == ["1", "2", "3"] and bad == [(3, "not a post: v1.1 delete notice")]
    broken = tmp_path / "broken.json"
    broken.write_text(good.replace('"id_str": "3"', '"id_str": 3,,'), encoding="utf-8")
    ids, bad = split(list(read_posts(broken, "twitter-v1")))
    assert ids == ["1", "2"]
    assert bad[-1][0] == 4 and bad[-1][1].startswith("element 4: malformed JSON")
    cut = tmp_path / "cut.json"
    cut.write_text(good[: good.index('"id_str": "3"')], encoding="utf-8")
    ids, bad = split(list(read_posts(cut, "twitter-v1")))
    assert ids == ["1", "2"] and bad[-1][1].startswith("element 4")


def test_pretty_printed_objects_one_after_another(tmp_path: Path) -> None:
    path = tmp_path / "pretty.json"
    path.write_text(json.dumps(tweet(1), indent=2) + "\n" + json.dumps(tweet(2), indent=2) + "\n", "utf-8")
    items = list(read_posts(path))
    assert [p.id for p in items if isinstance(p, Post)] == ["1", "2"]


def test_unknown_record_types_and_formats(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_bytes(line({"hello": "world"}) + line({"answer": 42}))
    with pytest.raises(SourceError, match="twitter-v1"):
        detect_format(path)
    ids, bad = split(list(read_posts(path, "jetstream")))
    assert ids == [] and [n for n, _ in bad] == [1, 2]
    with pytest.raises(SourceError, match="Unknown format"):
        list(read_posts(DATA / "twitter_v1.jsonl", "myspace"))


def test_csv_bad_rows_keep_their_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(
        b"id,created_at,author,text\n"                                  # 1 header
        b"a,2014-04-22T18:00:00Z,ann,Thanks officers #MyHCPD\n"         # 2
        b'b,2014-04-22T18:01:00Z,bob,"two\nlines #MyHCPD"\n'            # 3-4
        b"c,not-a-time,cy,bad time\n"                                    # 5
        b"d,2014-04-22T18:02:00Z,dee,caf\xe9 latin-1 byte\n"             # 6 invalid UTF-8
        b"\n"                                                            # 7 blank
        b"e,2014-04-22T18:03:00Z\n"                                      # 8 short row: no text
        b",,,no id or time\n"                                            # 9 -> id "5"
        b"f,2014-04-22T18:04:00Z,fi,last\n"                              # 10
    )
    items = list(read_posts(path))
    ids, bad = split(items)
    assert ids == ["a", "b", "5", "f"]
    assert [n for n, _ in bad] == [5, 6, 8]
    assert bad[1][1].startswith("invalid UTF-8") and bad[2][1].startswith("missing field")
    posts = [p for p in items if isinstance(p, Post)]
    assert posts[1].text == "two\nlines #MyHCPD"
    assert posts[2].created_at.isoformat() == "1970-01-01T00:00:05+00:00"


def test_csv_with_a_huge_cell_and_no_text_column(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("text\n" + "w" * (10 * 1024 * 1024) + " #MyHCPD\nsmall one\n", encoding="utf-8")
    posts = [p for p in read_posts(path) if isinstance(p, Post)]
    assert [input_id(p) for p in posts] == ["0", "1"] and posts[0].hashtags == ["MyHCPD"]
    ids, bad = split(list(read_posts(path, max_line_bytes=1024)))
    assert ids == ["1"] and bad[0][0] == 2 and bad[0][1].startswith("line too long")
    headless = tmp_path / "headless.csv"
    headless.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(SourceError, match="text"):
        list(read_posts(headless))


def test_csv_header_detection_without_suffix_and_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes("\ufeffid;text;author\n1;Great work #MyHCPD;ann\n".encode())
    assert detect_format(path) == "csv"
    posts = [p for p in read_posts(path) if isinstance(p, Post)]
    assert [(p.id, p.text, p.author.handle) for p in posts] == [("1", "Great work #MyHCPD", "ann")]


def test_a_bad_tweet_in_a_v2_page_does_not_lose_the_others(tmp_path: Path) -> None:
    page = json.loads((DATA / "twitter_v2_pages.jsonl").read_text("utf-8").splitlines()[0])
    page["data"][1] = {**page["data"][1], "created_at": 12}
    path = tmp_path / "page.jsonl"
    path.write_bytes(line(page))
    ids, bad = split(list(read_posts(path)))
    assert ids == ["1517500000000000002", "1517500000000000012"]
    assert len(bad) == 1 and bad[0][0] == 1 and bad[0][1].startswith("post 2 of 3: invalid record")


def test_a_plugin_that_raises_anything_is_contained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backfire.sources import FORMATS, twitter_v1

    def explode(raw: dict[str, Any]) -> Post:
        raise RuntimeError("plugin bug")

    monkeypatch.setattr(twitter_v1, "to_post", explode)
    path = tmp_path / "a.jsonl"
    path.write_bytes(line(tweet(1)))
    [item] = list(read_posts(path, "twitter-v1"))
    assert isinstance(item, Quarantined) and item.reason == "error (RuntimeError): plugin bug"
    assert FORMATS["twitter-v1"] is twitter_v1

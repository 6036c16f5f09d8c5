"""One suite run on every registered source format (discovered through `FORMATS`, plugins included).

Each format must have sample files in tests/data (listed in SAMPLES with the number of posts and of
non-post records they hold); every check below then runs on each format's samples.
"""

from __future__ import annotations

import copy
import csv
import gzip
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from backfire.model import Deletion, Post, Quarantined
from backfire.sources import FORMATS, SourceError, detect_format, read_posts, write_posts

DATA = Path(__file__).parent / "data"

# file -> (format, posts it holds, non-post records it holds). Counted by hand from the records.
SAMPLES: dict[str, tuple[str, int, int]] = {
    "twitter_v1.jsonl": ("twitter-v1", 16, 2),
    "twitter_v1_array.json": ("twitter-v1", 6, 0),
    "twitter_v1_sample.jsonl.gz": ("twitter-v1", 6, 0),
    "twitter_v2_flat.jsonl": ("twitter-v2", 13, 0),
    "twitter_v2_pages.jsonl": ("twitter-v2", 6, 0),
    "jetstream.jsonl": ("jetstream", 15, 4),
    "mastodon_rest.jsonl": ("mastodon", 13, 0),
    "mastodon_stream.jsonl": ("mastodon", 6, 2),
    "csv_posts.csv": ("csv", 12, 0),
    "csv_minimal.tsv": ("csv", 3, 0),
}
# Keys each format's records may lack and still be posts.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "twitter-v1": ("entities", "extended_entities", "extended_tweet", "lang", "in_reply_to_status_id_str",
                   "in_reply_to_status_id", "quoted_status", "is_quote_status", "truncated", "retweet_count",
                   "display_text_range"),
    "twitter-v2": ("entities", "attachments", "lang", "author", "conversation_id", "public_metrics",
                   "edit_history_tweet_ids", "__twarc", "note_tweet", "referenced_tweets", "possibly_sensitive"),
    "jetstream": (),  # time_us is optional only beside a createdAt: see test_sources_formats
    "mastodon": ("language", "tags", "mentions", "media_attachments", "spoiler_text", "in_reply_to_id", "quote",
                 "card", "url", "reblog", "emojis", "poll", "stream"),
    "csv": ("id", "created_at", "author", "followers", "lang", "reply_to", "repost_of"),
}
NAMES = sorted(FORMATS)


def files_of(name: str) -> list[Path]:
    return [DATA / f for f, (fmt, _, _) in SAMPLES.items() if fmt == name]


def sample_params() -> list[Any]:
    return [pytest.param(f, fmt, id=f) for f, (fmt, _, _) in SAMPLES.items()]


def raw_records(path: Path) -> Iterator[dict[str, Any]]:
    """The file's records, read without backfire (so the reader is not testing itself)."""
    if path.suffix in (".csv", ".tsv"):
        with open(path, encoding="utf-8", newline="") as f:
            delimiter = "\t" if path.suffix == ".tsv" else ","
            for number, row in enumerate(csv.DictReader(f, delimiter=delimiter)):
                yield {**row, "__row": number}
        return
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        text = f.read()
    if text.lstrip().startswith("["):
        yield from json.loads(text)
    else:
        yield from (json.loads(line) for line in text.splitlines() if line.strip())


def posts_of(path: Path) -> list[Post]:
    return [p for p in read_posts(path) if isinstance(p, Post)]


def all_posts(post: Post) -> Iterator[Post]:
    yield post
    for inner in post.embedded:
        yield from all_posts(inner)


def main_fields(post: Post) -> dict[str, Any]:
    when = "undated (file order only)" if post.undated else post.created_at
    return {"id": post.id, "author": post.author.handle, "text": post.text, "created_at": when,
            "repost_of": post.repost_of, "reply_to": post.reply_to, "quote_of": post.quote_of,
            "hashtags": post.hashtags, "alts": [m.alt for m in post.media]}


# ------------------------------------------------------------------ the registry and its modules

def test_builtin_formats_are_registered() -> None:
    assert {"twitter-v1", "twitter-v2", "jetstream", "mastodon", "csv"} <= set(FORMATS)


@pytest.mark.parametrize("name", NAMES)
def test_format_has_samples(name: str) -> None:
    assert files_of(name), f"format {name!r} has no sample file in tests/data (add it to SAMPLES)"


@pytest.mark.parametrize("name", NAMES)
def test_module_interface_is_documented(name: str) -> None:
    module: ModuleType = FORMATS[name]
    assert name == module.NAME
    assert isinstance(module.DESCRIPTION, str) and len(module.DESCRIPTION) > 10
    assert module.__doc__ and len(module.__doc__) > 100
    for attr in ("sniff", "to_post", "iter_posts", "to_raw"):
        assert callable(getattr(module, attr)), attr
        assert getattr(module, attr).__doc__, f"{name}.{attr} has no docstring"


# ------------------------------------------------------------------ mapping the samples

@pytest.mark.parametrize(("filename", "name"), sample_params())
def test_reads_every_sample_record(filename: str, name: str) -> None:
    _, n_posts, n_other = SAMPLES[filename]
    items = list(read_posts(DATA / filename))
    posts = [p for p in items if isinstance(p, Post)]
    skipped = [q for q in items if isinstance(q, Quarantined)]
    deletions = [d for d in items if isinstance(d, Deletion)]  # delete records are read, not quarantined
    assert len(posts) == n_posts
    assert len(skipped) + len(deletions) == n_other
    assert all(q.reason.startswith("not a post:") for q in skipped), [q.reason for q in skipped]
    assert all(q.format == name for q in skipped)
    assert all(d.path == str(DATA / filename) and d.line > 0 for d in deletions)


@pytest.mark.parametrize(("filename", "name"), sample_params())
def test_detect_format_finds_the_sample_format(filename: str, name: str) -> None:
    assert detect_format(DATA / filename) == name


@pytest.mark.parametrize(("filename", "name"), sample_params())
def test_to_post_is_pure_and_keeps_raw(filename: str, name: str) -> None:
    module = FORMATS[name]
    for post in posts_of(DATA / filename):
        raw = post.raw
        assert raw is not None
        before = copy.deepcopy(raw)
        first, second = module.to_post(raw), module.to_post(raw)
        assert first == second == post
        assert raw == before, "to_post changed its input"
        for inner in all_posts(post):
            assert inner.raw is not None and inner.platform == post.platform


@pytest.mark.parametrize(("filename", "name"), sample_params())
def test_times_are_utc_aware(filename: str, name: str) -> None:
    for post in posts_of(DATA / filename):
        for inner in all_posts(post):
            assert inner.created_at.utcoffset() == timedelta(0)
            assert 2000 <= inner.created_at.year <= 2030 or inner.created_at.year == 1970


@pytest.mark.parametrize(("filename", "name"), sample_params())
def test_ids_are_non_empty_and_unique_per_file(filename: str, name: str) -> None:
    ids = [p.id for p in posts_of(DATA / filename)]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("filename", "name"), sample_params())
def test_round_trip_keeps_the_main_fields(filename: str, name: str) -> None:
    module = FORMATS[name]
    for post in posts_of(DATA / filename):
        raw = module.to_raw(post)
        json.dumps(raw)  # a realistic record is plain JSON
        assert module.sniff(raw)
        if post.undated:  # written without a time: only a file's row order dates it again
            assert raw["created_at"] == ""
            continue
        again = module.to_post(raw)
        assert main_fields(again) == main_fields(post)


@pytest.mark.parametrize("name", NAMES)
def test_written_files_read_back(name: str, tmp_path: Path) -> None:
    posts = [p for f in files_of(name) for p in posts_of(f)]
    suffix = ".csv" if name == "csv" else ".jsonl"
    for path in (tmp_path / f"out{suffix}", tmp_path / f"out{suffix}.gz"):
        assert write_posts(posts, path, name) == len(posts)
        assert detect_format(path) == name
        back = list(read_posts(path))
        assert [main_fields(p) for p in back if isinstance(p, Post)] == [main_fields(p) for p in posts]


@pytest.mark.parametrize(("filename", "name"), sample_params())
def test_survives_missing_fields(filename: str, name: str) -> None:
    """Dropping any key (top level or one level down) gives a post or a SourceError, never a crash;
    dropping a key the format lists as optional still gives a post."""
    module = FORMATS[name]
    optional = OPTIONAL.get(name, ())
    for raw in raw_records(DATA / filename):
        maps = _maps(module, raw)
        for key in list(raw):
            for depth, variant in enumerate(_without(raw, key)):
                try:
                    list(module.iter_posts(variant))
                except SourceError:
                    assert not (maps and depth == 0 and key in optional), f"dropping optional {key!r} failed"


def _maps(module: ModuleType, raw: dict[str, Any]) -> bool:
    try:
        list(module.iter_posts(raw))
    except SourceError:
        return False
    return True


def _without(raw: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
    yield {k: v for k, v in raw.items() if k != key}
    if isinstance(raw[key], dict):
        for inner in list(raw[key]):
            yield {**raw, key: {k: v for k, v in raw[key].items() if k != inner}}


# ------------------------------------------------------------------ sniffing

@pytest.mark.parametrize(("filename", "name"), sample_params())
def test_sniff_recognises_own_records_and_rejects_others(filename: str, name: str) -> None:
    for raw in raw_records(DATA / filename):
        assert FORMATS[name].sniff(raw), f"{name} does not recognise {str(raw)[:80]}"
        for other in NAMES:
            if other != name:
                assert not FORMATS[other].sniff(raw), f"{other} claims a {name} record: {str(raw)[:80]}"

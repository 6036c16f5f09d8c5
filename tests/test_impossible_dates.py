"""Posts dated where their platform could not have had them are quarantined at the source mapping (issue 31):
before Twitter's launch, Mastodon's first release or Bluesky's first posts, or more than a day ahead of
the run; a CSV without a platform before 2006. Each source's `to_post` says so, and so ingest does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backfire.model import Post, Quarantined
from backfire.sources import FORMATS, read_posts
from backfire.sources.errors import ImpossibleDate

DATA = Path(__file__).parent / "data"
SAMPLE = {"twitter-v1": "twitter_v1.jsonl", "twitter-v2": "twitter_v2_flat.jsonl", "jetstream": "jetstream.jsonl",
          "mastodon": "mastodon_rest.jsonl", "csv": "csv_posts.csv"}
TOO_EARLY = {"twitter-v1": datetime(2006, 3, 1, tzinfo=UTC), "twitter-v2": datetime(2006, 3, 1, tzinfo=UTC),
             "mastodon": datetime(2015, 6, 1, tzinfo=UTC), "jetstream": datetime(2022, 6, 1, tzinfo=UTC),
             "csv": datetime(2005, 6, 1, tzinfo=UTC)}
RANGE_START = {"twitter-v1": "2006-03-21", "twitter-v2": "2006-03-21", "mastodon": "2016-01-01",
               "jetstream": "2023-01-01", "csv": "2006-01-01"}


def _dated(name: str, when: datetime) -> dict:  # type: ignore[type-arg]
    """A real record of format `name` (from tests/data), re-dated `when`."""
    post = next(p for p in read_posts(DATA / SAMPLE[name], name)
                if isinstance(p, Post) and not p.undated and p.repost_of is None)
    return FORMATS[name].to_raw(post.model_copy(update={"created_at": when}))


@pytest.mark.parametrize("name", sorted(SAMPLE))
def test_a_post_dated_before_its_platform_began_is_refused_with_the_date_and_range(name: str) -> None:
    with pytest.raises(ImpossibleDate) as err:
        FORMATS[name].to_post(_dated(name, TOO_EARLY[name]))
    assert TOO_EARLY[name].date().isoformat() in str(err.value)
    assert RANGE_START[name] in str(err.value)


@pytest.mark.parametrize("name", sorted(SAMPLE))
def test_a_post_dated_days_ahead_of_the_run_is_refused_and_one_hour_ahead_is_kept(name: str) -> None:
    ahead = datetime.now(UTC).replace(microsecond=0)
    with pytest.raises(ImpossibleDate, match="possible range"):
        FORMATS[name].to_post(_dated(name, ahead + timedelta(days=3)))
    assert FORMATS[name].to_post(_dated(name, ahead + timedelta(hours=1))).created_at == ahead + timedelta(hours=1)


@pytest.mark.parametrize("name", sorted(SAMPLE))
def test_a_post_dated_within_its_range_is_kept(name: str) -> None:
    when = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert FORMATS[name].to_post(_dated(name, when)).created_at == when


def test_year_one_is_quarantined_by_ingest_with_its_reason_and_the_rest_kept(tmp_path: Path) -> None:
    from backfire.ingest import ingest
    from backfire.store import open_store

    good = _dated("mastodon", datetime(2024, 5, 1, tzinfo=UTC))
    bad = dict(good, id="999", uri="https://example.social/users/x/statuses/999", created_at="0001-01-01T00:00:00Z")
    path = tmp_path / "statuses.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    assert [type(p) for p in read_posts(path)] == [Post, Quarantined]
    with open_store(tmp_path / "s.db") as store:
        ingest(store, [path], "c")
        assert store.count_posts("c") == 1
        (q,) = list(store.quarantined("c"))
    assert q.reason.startswith("impossible date") and "0001-01-01" in q.reason and "2016-01-01" in q.reason

"""Property checks for the text handling every format relies on, and the docstring examples."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backfire.model import Author, Post
from backfire.sources import FORMATS, jetstream, mastodon, read_posts, write_posts

WORD = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Cf")), min_size=1, max_size=8)
SEPARATOR = st.sampled_from([" ", " ", "\n", "\n\n"])
TEXT = st.builds(lambda words, seps: "".join(w + s for w, s in zip(words, seps, strict=False)).strip(),
                 st.lists(WORD | st.sampled_from(["#MyHCPD", "@ann", "&amp;", "<3", "a&b", "👮‍♀️", "ש", "中"]),
                          min_size=1, max_size=12),
                 st.lists(SEPARATOR, min_size=12, max_size=12))


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_mastodon_html_round_trips_plain_text(text: str) -> None:
    assert mastodon.html_to_text(mastodon.text_to_html(text))[0] == text


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=20), st.text(max_size=20), st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True))
def test_jetstream_facets_cover_the_tag_bytes(before: str, after: str, tag: str) -> None:
    text = f"{before} #{tag} {after}"
    post = Post(id="at://did:plc:abc/app.bsky.feed.post/1", platform="bluesky", author=Author(handle="did:plc:abc"),
                created_at=datetime(2025, 1, 1, tzinfo=UTC), text=text, hashtags=[tag])
    record = jetstream.to_raw(post)["commit"]["record"]
    assert ("tag", tag, f"#{tag}") in jetstream.facets(record)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=40),
                min_size=1, max_size=5))
def test_every_format_writes_and_reads_back_any_text(tmp_path_factory: pytest.TempPathFactory,
                                                     texts: list[str]) -> None:
    folder: Path = tmp_path_factory.mktemp("w")
    posts = [Post(id=str(100 + i), platform="csv", author=Author(handle="ann"),
                  created_at=datetime(2014, 4, 22, 18, i, tzinfo=UTC), text=t) for i, t in enumerate(texts)]
    for name in ("csv", "twitter-v1", "twitter-v2"):
        path = folder / f"{name}.out"
        write_posts(posts, path, name)
        back = [p for p in read_posts(path, name) if isinstance(p, Post)]
        assert [p.text for p in back] == texts, name
    assert set(FORMATS) >= {"csv", "twitter-v1", "twitter-v2"}

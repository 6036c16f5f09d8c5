"""A real-shapes conformance suite: every source over the edge cases real archives hold.

Each case is a small file of records in the shape another tool writes (see `shapes.py`: the project's own
texts and ids, never copied records): edits, deletes, reposts of quotes, placeholder media, visibility,
opt-outs, missing times and exporter column layouts. Every case is read through `read_posts` with the
format detected, must never crash, must account for every record (post, deletion, skipped or
quarantined) and must meet its own expectation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import shapes as S
from backfire.model import Deletion, Post, Quarantined, Skipped
from backfire.sources import FORMATS, detect_format, input_id, link_aliases, read_posts
from backfire.sources.mastodon import excluded

Items = list[Any]


def write(tmp_path: Path, name: str, records: list[dict[str, Any]] | str) -> Path:
    path = tmp_path / name
    if isinstance(records, str):
        path.write_text(records, encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def posts(items: Items) -> list[Post]:
    return [i for i in items if isinstance(i, Post)]


# ---------------------------------------------------------------- the cases
def twarc_placeholder_media() -> list[dict[str, Any]]:
    original = S.v2_tweet("1580000000000000001", "Officers at the parade #myNYPD", author_id="602",
                          attachments={"media_keys": ["3_1"], "media": [{}]}, author=S.v2_user("602", "parade"))
    retweet = S.v2_tweet("1580000000000000002", "RT @parade: Officers at the parade #myNYPD",
                         author=S.v2_user("601", "fan"), attachments={"media": [{}]},
                         referenced_tweets=[{"type": "retweeted", "id": original["id"], **original}])
    return [retweet]


def check_placeholder_media(items: Items) -> None:
    (post,) = posts(items)
    assert post.repost_of == "1580000000000000001" and post.media == []
    assert post.text == "Officers at the parade #myNYPD" and post.embedded[0].author.handle == "parade"


def twarc_edits() -> list[dict[str, Any]]:
    first, second = S.snowflake("2022-10-03T15:00:00.000Z", 1), S.snowflake("2022-10-03T15:20:00.000Z", 2)
    return [S.v2_tweet(first, "Come meet ur officers #myNYPD", history=[first, second], author=S.v2_user("601", "org")),
            S.v2_tweet(second, "Come meet your officers #myNYPD", history=[first, second],
                       created_at="2022-10-03T15:20:00.000Z", author=S.v2_user("601", "org"))]


def check_edits(items: Items) -> None:
    a, b = posts(items)
    first, second = S.snowflake("2022-10-03T15:00:00.000Z", 1), S.snowflake("2022-10-03T15:20:00.000Z", 2)
    assert a.id == b.id == first and b.aliases == [second]
    assert a.edited_at is None and b.edited_at is not None and b.created_at == a.created_at < b.edited_at


def v2_default_fields_page() -> list[dict[str, Any]]:
    """A response to a request without tweet.fields: each tweet has only id, text, edit_history_tweet_ids."""
    tweets = [{"id": str(1580000000000000100 + i), "text": f"Post {i} #myNYPD",
               "edit_history_tweet_ids": [str(1580000000000000100 + i)]} for i in range(10)]
    return [{"data": tweets, "meta": {"result_count": 10, "newest_id": tweets[0]["id"],
                                      "oldest_id": tweets[-1]["id"]}}]


def check_default_fields(items: Items) -> None:
    bad = [i for i in items if isinstance(i, Quarantined)]
    assert len(bad) == 10 and [q.part for q in bad] == list(range(1, 11))
    assert [q.record_id for q in bad] == [str(1580000000000000100 + i) for i in range(10)]
    assert all("'created_at'" in q.reason and "'author_id'" in q.reason and "'id'" not in q.reason for q in bad)


def v2_single_lookup() -> list[dict[str, Any]]:
    """GET /2/tweets/:id answers `{"data": {...}}` with no includes or meta."""
    return [{"data": S.v2_tweet("1580000000000000200", "Looked up #myNYPD")}]


def v1_deletes_and_truncation() -> list[dict[str, Any]]:
    long = "Kettled for hours at the rally and the captain called it community outreach, what a joke " * 2
    compat = S.v1_tweet("455000000000000001", long[:138] + "…", truncated=True,
                        extended_tweet={"full_text": long, "entities": {"hashtags": []}})
    cut = S.v1_tweet("455000000000000002", long[:138] + "…", truncated=True)
    return [compat, cut, S.v1_delete("455000000000000001")]


def check_v1(items: Items) -> None:
    full, cut = posts(items)
    assert full.text.startswith("Kettled") and len(full.text) > 140 and not full.truncated
    assert cut.truncated and cut.text.endswith("…")
    (gone,) = [i for i in items if isinstance(i, Deletion)]
    assert gone.key == "twitter:455000000000000001" and gone.line == 3


def v1_retweet_of_quote() -> list[dict[str, Any]]:
    quoted = S.v1_tweet("455000000000000010", "Send us photos with officers #myNYPD", user=S.v1_user("org", "9"))
    quote = S.v1_tweet("455000000000000011", "Here is mine, baton included #myNYPD", user=S.v1_user("critic", "8"),
                       is_quote_status=True, quoted_status_id_str=quoted["id_str"], quoted_status=quoted)
    retweet = S.v1_tweet("455000000000000012", "RT @critic: Here is mine, baton included #myNYPD",
                         user=S.v1_user("fan", "7"), retweeted_status=quote)
    return [retweet]


def check_retweet_of_quote(items: Items) -> None:
    (post,) = posts(items)
    assert post.repost_of == "455000000000000011" and post.quote_of is None
    (original,) = post.embedded
    assert original.author.handle == "critic" and original.quote_of == "455000000000000010"
    assert original.embedded[0].author.handle == "org"


def jetstream_edge() -> list[dict[str, Any]]:
    did = "did:plc:walker0000000000000000"
    image = {"$type": "app.bsky.embed.images",
             "images": [{"alt": "Officers pushing a crowd back with batons", "image": S.blob("bafkreiaaa")}]}
    card = {"$type": "app.bsky.embed.external", "external": {
        "uri": "https://news.example/story", "title": "Police hashtag backfires",
        "description": "Photos of arrests flood the department's tag"}}
    quote = {"$type": "app.bsky.embed.record", "record": {"uri": f"at://{did}/app.bsky.feed.post/3kaaa",
                                                           "cid": "bafyreiq"}}
    return [S.jet_post(did, "3kaaa", "", embed=image), S.jet_post(did, "3kbbb", "", embed=card),
            S.jet_post(did, "3kccc", "", embed=quote),
            S.jet_post(did, "3kaaa", "Batons out #myNYPD", embed=image, operation="update"),
            S.jet_delete(did, "3kbbb")]


def check_jetstream(items: Items) -> None:
    image, card, quote, edit = posts(items)
    assert image.text == "Officers pushing a crowd back with batons"
    assert card.text == "Police hashtag backfires\nPhotos of arrests flood the department's tag"
    assert quote.repost_of == image.id and quote.quote_of is None
    assert edit.id == image.id and edit.edited_at is not None
    (gone,) = [i for i in items if isinstance(i, Deletion)]
    assert gone.key == f"bluesky:{card.id}"


def mastodon_stream_edge() -> list[dict[str, Any]]:
    first = S.status("112000000000000001", "<p>Proud of our officers <a href=\"x\" class=\"mention hashtag\">"
                     "#<span>myNYPD</span></a></p>")
    edited = {**first, "content": "<p>Proud of our officers, mostly #myNYPD</p>",
              "edited_at": "2024-05-02T14:10:00.000Z"}
    return [S.stream("update", first), S.stream("status.update", edited), S.stream("delete", "112000000000000001")]


def check_mastodon_stream(items: Items) -> None:
    first, edited = posts(items)
    assert first.id == edited.id == "https://police.example/users/walker/statuses/112000000000000001"
    assert first.aliases == ["112000000000000001"] and edited.edited_at is not None and first.edited_at is None
    (gone,) = [i for i in items if isinstance(i, Deletion)]
    assert gone.key == "mastodon:112000000000000001"


def mastodon_privacy() -> list[dict[str, Any]]:
    nobot = S.account("quiet", note="<p>Please no bots <a href=\"x\" class=\"mention hashtag\">"
                                    "#<span>NoBot</span></a></p>")
    nosearch = S.account("hidden", fields=[{"name": "Search", "value": "#nosearch"}])
    noindex = S.account("unlisted", noindex=True)
    return [S.status("112000000000000010", "<p>public #myNYPD</p>"),
            S.status("112000000000000011", "<p>unlisted #myNYPD</p>", visibility="unlisted"),
            S.status("112000000000000012", "<p>followers only #myNYPD</p>", visibility="private"),
            S.status("112000000000000013", "<p>a direct message #myNYPD</p>", visibility="direct"),
            S.status("112000000000000014", "<p>opted out #myNYPD</p>", user="quiet", acct=nobot),
            S.status("112000000000000015", "<p>opted out #myNYPD</p>", user="hidden", acct=nosearch),
            S.status("112000000000000016", "<p>opted out #myNYPD</p>", user="unlisted", acct=noindex),
            S.status("112000000000000017", "", reblog=S.status("112000000000000014", "<p>opted out</p>",
                                                               user="quiet", acct=nobot))]


def mastodon_py_replies() -> list[dict[str, Any]]:
    """A REST page (newest first), as Mastodon.py dumps it: integer ids, the reply before its parent."""
    parent = S.status("112000000000000020", "<p>Share your photos with officers #myNYPD</p>", user="org")
    reply = S.status("112000000000000021", "<p>@org here is one from the kettle #myNYPD</p>",
                     reply_to="112000000000000020", reply_account="7")
    return [S.mastodon_py(reply), S.mastodon_py(parent)]


def check_replies(items: Items) -> None:
    reply, parent = posts(items)
    assert reply.reply_to == "112000000000000020"  # instance-local, as the record says
    linked = link_aliases([reply, parent])
    assert linked[0].reply_to == parent.id == "https://police.example/users/org/statuses/112000000000000020"


TWARC_CSV = S.TWARC_CSV_HEADER + "\n" + "\n".join([
    '1580000000000000301,1580000000000000301,,,,601,,,2022-10-03T15:00:00.000Z,Thank you officers #myNYPD,en,'
    '601,fan,Fan,1200,"[""#myNYPD""]",2022-10-03T16:00:00+00:00',
    '1580000000000000302,1580000000000000302,,1580000000000000301,,602,,601,2022-10-03T15:05:00.000Z,'
    'Thank you officers #myNYPD,en,602,echo,Echo,30,"[""#myNYPD""]",2022-10-03T16:00:00+00:00',
]) + "\n"

ARCHIVE_CSV = S.ARCHIVE_HEADER + "\n" + "\n".join([
    '455000000000000401,,,2014-04-22 18:02:11 +0000,"<a href=""x"">web</a>",Proud of our officers #myNYPD,,,,',
    '455000000000000402,455000000000000401,9,2014-04-22 18:05:00 +0000,"<a href=""x"">web</a>",'
    '@NYPDnews really? #myNYPD,,,,',
    '455000000000000403,,,2014-04-22 18:06:00 +0000,"<a href=""x"">web</a>",RT @critic: batons #myNYPD,'
    '455000000000000399,8,2014-04-22 18:01:00 +0000,',
]) + "\n"

VARIANT_CSV = "Tweet ID;Created At;Screen Name;Followers Count;Text\n" \
              "77;2014-04-22T18:00:00Z;alice;1,204;Proud #myNYPD\n"

UNDATED_CSV = "text,author\nProud #myNYPD,alice\nKettled #myNYPD,bob\n"


def check_twarc_csv(items: Items) -> None:
    first, second = posts(items)
    assert (first.id, first.author.handle, first.author.followers) == ("1580000000000000301", "fan", 1200)
    assert second.repost_of == first.id and second.created_at.year == 2022


def check_archive_csv(items: Items) -> None:
    a, b, c = posts(items)
    assert a.id == "455000000000000401" and a.created_at.isoformat() == "2014-04-22T18:02:11+00:00"
    assert b.reply_to == a.id and c.repost_of == "455000000000000399" and not a.undated


def check_variant_csv(items: Items) -> None:
    (post,) = posts(items)
    assert (post.id, post.author.handle, post.author.followers, post.created_at.hour) == ("77", "alice", 1204, 18)


def check_undated_csv(items: Items) -> None:
    a, b = posts(items)
    assert a.undated and b.undated and a.created_at < b.created_at  # file order kept
    assert [input_id(p) for p in (a, b)] == ["0", "1"] and a.id != b.id and a.id.startswith("row-")


def check_privacy(items: Items) -> None:
    assert [p.text.split(" #")[0] for p in posts(items)] == ["public", "unlisted", "followers only",
                                                             "a direct message", "opted out", "opted out",
                                                             "opted out", "opted out"]


CASES: list[tuple[str, str, Callable[[], Any], Callable[[Items], None] | None]] = [
    ("twarc_placeholder_media.jsonl", "twitter-v2", twarc_placeholder_media, check_placeholder_media),
    ("twarc_edits.jsonl", "twitter-v2", twarc_edits, check_edits),
    ("v2_default_fields.jsonl", "twitter-v2", v2_default_fields_page, check_default_fields),
    ("v2_single.jsonl", "twitter-v2", v2_single_lookup, lambda i: [p.id for p in posts(i)] == ["1580000000000000200"]),
    ("v1_compat.jsonl", "twitter-v1", v1_deletes_and_truncation, check_v1),
    ("v1_rt_of_quote.jsonl", "twitter-v1", v1_retweet_of_quote, check_retweet_of_quote),
    ("jetstream_edge.jsonl", "jetstream", jetstream_edge, check_jetstream),
    ("mastodon_stream_edge.jsonl", "mastodon", mastodon_stream_edge, check_mastodon_stream),
    ("mastodon_privacy.jsonl", "mastodon", mastodon_privacy, check_privacy),
    ("mastodon_py_replies.jsonl", "mastodon", mastodon_py_replies, check_replies),
    ("twarc.csv", "csv", lambda: TWARC_CSV, check_twarc_csv),
    ("archive_tweets.csv", "csv", lambda: ARCHIVE_CSV, check_archive_csv),
    ("variants.csv", "csv", lambda: VARIANT_CSV, check_variant_csv),
    ("undated.csv", "csv", lambda: UNDATED_CSV, check_undated_csv),
]


def test_every_registered_source_has_edge_cases() -> None:
    assert {fmt for _, fmt, _, _ in CASES} >= set(FORMATS)


@pytest.mark.parametrize(("name", "fmt", "build", "check"), CASES, ids=[c[0] for c in CASES])
def test_edge_case(tmp_path: Path, name: str, fmt: str, build: Callable[[], Any],
                   check: Callable[[Items], Any] | None) -> None:
    path = write(tmp_path, name, build())
    assert detect_format(path) == fmt
    items = list(read_posts(path))
    assert all(isinstance(i, (Post, Deletion, Quarantined, Skipped)) for i in items)
    if check is not None:
        assert check(items) is not False


def test_ingest_reads_only_public_and_unlisted_mastodon_statuses(tmp_path: Path) -> None:
    path = write(tmp_path, "m.jsonl", mastodon_privacy())
    items = list(read_posts(path, private=False))
    assert [p.text.split(" #")[0] for p in posts(items)] == ["public", "unlisted"]
    reasons = [i.reason for i in items if isinstance(i, Skipped)]
    assert reasons.count("private statuses (not public or unlisted)") == 1
    assert reasons.count("direct statuses (not public or unlisted)") == 1
    assert reasons.count("accounts that opted out (#nobot, #nosearch or noindex)") == 4  # a reblog of one too


def test_watch_and_ingest_share_the_opt_out_rule() -> None:
    import inspect

    from backfire.live import mastodon as live

    assert "opted_out" in inspect.getsource(live.MastodonSource.decode_status)
    assert excluded(S.status("1", "<p>x</p>", acct=S.account("x", noindex=True))) is not None

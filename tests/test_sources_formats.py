"""What each format's mapping must get right, beyond the shared conformance suite."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from backfire.model import Post
from backfire.sources import (
    SourceError,
    UnknownRecord,
    csv_source,
    jetstream,
    mastodon,
    read_posts,
    twitter_v1,
    twitter_v2,
)
from backfire.sources._common import hashtags_in, mentions_in, parse_time, urls_in

DATA = Path(__file__).parent / "data"


def lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def by_id(name: str) -> dict[str, Post]:
    return {p.id: p for p in read_posts(DATA / name) if isinstance(p, Post)}


# ------------------------------------------------------------------ Twitter v1.1

class TestTwitterV1:
    posts = by_id("twitter_v1.jsonl")

    def test_retweet_takes_the_original_text_and_keeps_the_retweeter(self) -> None:
        rt = self.posts["460100000000000003"]
        assert rt.author.handle == "dan_on_5th"
        assert rt.repost_of == "460100000000000001"
        assert rt.text == ("Got a photo with one of our officers? Share it with #MyHCPD and we may feature it! 📸")
        assert not rt.text.startswith("RT @")
        assert [e.id for e in rt.embedded] == ["460100000000000001"]
        assert rt.embedded[0].author.handle == "HarborCityPD"
        assert rt.embedded[0].raw == lines("twitter_v1.jsonl")[2]["retweeted_status"]

    def test_retweet_of_a_retweet_points_to_the_root(self) -> None:
        rt = self.posts["460100000000000015"]
        assert rt.repost_of == "460100000000000010"
        assert rt.author.handle == "nightbus_ana"
        assert rt.text.startswith("My favourite #MyHCPD moment") and rt.text.endswith("https://t.co/aB3dE")
        assert rt.embedded[0].id == "460100000000000010"
        assert rt.media[0].url == "https://pbs.twimg.com/media/BmSprayLine.jpg"

    def test_quote_keeps_its_own_text_and_embeds_the_quoted(self) -> None:
        q = self.posts["460100000000000020"]
        assert q.quote_of == "460100000000000001" and q.repost_of is None
        assert q.text.startswith("Oh sure, let me share my #MyHCPD photo")
        assert q.embedded[0].text.startswith("Got a photo")

    def test_long_tweets_use_the_full_text(self) -> None:
        long = self.posts["460100000000000030"]
        assert long.text.endswith("I'll wait. #HarborCity") and len(long.text) > 140
        assert long.hashtags == ["MyHCPD", "HarborCity"]
        rest = self.posts["460100000000000031"]
        assert rest.text == "Cops & coffee on Pier 3 this morning, they were lovely <3 #MyHCPD"

    def test_reply_media_alt_followers_and_entities(self) -> None:
        reply = self.posts["460100000000000002"]
        assert reply.reply_to == "460100000000000001"
        assert reply.mentions == ["HarborCityPD"]
        assert [(m.url, m.alt) for m in reply.media] == [
            ("https://pbs.twimg.com/media/BmDogReunion1.jpg", "An officer kneels to pet a small brown dog"),
            ("https://pbs.twimg.com/media/BmDogReunion2.jpg", None)]
        assert reply.author.followers == 312
        assert self.posts["460100000000000010"].urls == ["https://harborwatch.example.org/march-report"]

    def test_rtl_cjk_and_legacy_language_codes(self) -> None:
        assert self.posts["460100000000000040"].lang == "ar"
        assert self.posts["460100000000000041"].lang == "he"  # Twitter wrote "iw"
        assert self.posts["460100000000000042"].hashtags == ["MyHCPD"]

    def test_minimal_tweet_falls_back_to_numeric_id_and_text_entities(self) -> None:
        bare = self.posts["460100000000000050"]
        assert bare.author.followers is None and bare.lang is None
        assert bare.hashtags == ["MyHCPD"]

    def test_notices_are_unknown_records(self) -> None:
        with pytest.raises(UnknownRecord, match="delete"):
            twitter_v1.to_post({"delete": {"status": {"id_str": "1"}}})
        with pytest.raises(UnknownRecord, match="limit"):
            twitter_v1.to_post({"limit": {"track": 3}})

    def test_search_page_yields_each_status(self) -> None:
        page = lines("twitter_v1.jsonl")[15]
        assert [p.id for p in twitter_v1.iter_posts(page)] == ["460100000000000070", "460100000000000071"]

    def test_time_offsets_are_converted_to_utc(self) -> None:
        raw = {**lines("twitter_v1.jsonl")[0], "created_at": "Tue Apr 22 20:02:11 +0200 2014"}
        assert twitter_v1.to_post(raw).created_at == datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)

    def test_long_text_is_written_as_an_extended_tweet(self) -> None:
        post = self.posts["460100000000000030"]
        raw = twitter_v1.to_raw(post)
        assert raw["truncated"] is True and len(raw["text"]) == 140
        assert raw["extended_tweet"]["full_text"] == post.text
        assert twitter_v1.to_raw(self.posts["460100000000000031"])["text"].startswith("Cops &amp; coffee")


# ------------------------------------------------------------------ Twitter v2 / twarc2

class TestTwitterV2:
    flat = by_id("twitter_v2_flat.jsonl")
    pages = by_id("twitter_v2_pages.jsonl")

    def test_page_joins_authors_media_and_referenced_tweets(self) -> None:
        fan = self.pages["1517500000000000002"]
        assert fan.author.handle == "bikelane_bo" and fan.author.followers == 560
        assert fan.media[0].url == "https://pbs.twimg.com/media/FRbike02.jpg"
        critic = self.pages["1517500000000000010"]
        assert critic.media[0].type == "video"
        assert critic.media[0].alt == "Officers in helmets push protesters back"
        quote = self.pages["1517500000000000021"]
        assert quote.quote_of == "1517500000000000001"
        assert quote.embedded[0].author.handle == "HarborCityPD"
        assert quote.embedded[0].media[0].alt == "Three officers smiling at the spring fair"
        assert quote.raw is not None and quote.raw["__twarc"]["version"] == "2.14.0"

    def test_retweet_in_a_page_takes_the_original_text(self) -> None:
        rt = self.pages["1517500000000000012"]
        assert rt.repost_of == "1517500000000000010" and rt.author.handle == "civil_lines"
        assert rt.text.endswith("Smile! 😊") and not rt.text.startswith("RT")

    def test_empty_page_yields_nothing_and_a_multi_tweet_page_needs_iter_posts(self) -> None:
        first, _, empty = lines("twitter_v2_pages.jsonl")
        assert list(twitter_v2.iter_posts(empty)) == []
        with pytest.raises(SourceError, match="iter_posts"):
            twitter_v2.to_post(first)

    def test_flattened_lines(self) -> None:
        rt = self.flat["1517500000000000011"]
        assert rt.repost_of == "1517500000000000010" and rt.text.startswith("Love the #MyHCPD vibes")
        assert self.flat["1517500000000000040"].reply_to == "1517500000000000001"
        assert self.flat["1517500000000000020"].quote_of == "1517500000000000001"
        assert self.flat["1517500000000000050"].text.endswith("until you do. #HarborCity")
        assert self.flat["1517500000000000070"].text == \
            'Nothing says community like "move along" & a zip tie <3 #MyHCPD'
        assert self.flat["1517500000000000060"].lang == "ar" and self.flat["1517500000000000091"].lang is None

    def test_without_expansions_the_author_id_is_the_handle(self) -> None:
        bare = self.flat["1517500000000000080"]
        assert bare.author.handle == "5199" and bare.author.id == "5199"
        unexpanded_rt = self.flat["1517500000000000090"]
        assert unexpanded_rt.repost_of == "1517500000000000010" and unexpanded_rt.embedded == []

    def test_to_page_round_trips_through_iter_posts(self) -> None:
        posts = list(self.pages.values())
        again = list(twitter_v2.iter_posts(twitter_v2.to_page(posts)))
        assert [(p.id, p.text, p.author.handle, p.quote_of, p.repost_of, [m.alt for m in p.media])
                for p in again] == [(p.id, p.text, p.author.handle, p.quote_of, p.repost_of,
                                     [m.alt for m in p.media]) for p in posts]


# ------------------------------------------------------------------ Bluesky Jetstream

class TestJetstream:
    posts = by_id("jetstream.jsonl")
    events = lines("jetstream.jsonl")

    def uri(self, did: str, rkey: str, collection: str = "app.bsky.feed.post") -> str:
        return f"at://{did}/{collection}/{rkey}"

    def test_facet_byte_offsets_on_emoji_rtl_and_cjk_text(self) -> None:
        for index in (0, 3, 4, 15):  # emoji first, Arabic, Japanese, Hebrew
            record = self.events[index]["commit"]["record"]
            for kind, value, covered in jetstream.facets(record):
                assert kind == "tag" and covered == "#" + value
        record = self.events[4]["commit"]["record"]
        assert [v for _, v, _ in jetstream.facets(record)] == ["MyHCPD", "旅行"]

    def test_mentions_links_and_images(self) -> None:
        fan = self.posts[self.uri("did:plc:fan3m2o7wq1b", "3m6fan000001")]
        assert fan.mentions == ["did:plc:hcpd7owner2xq4k"] and fan.hashtags == ["MyHCPD"]
        assert fan.author.handle == "did:plc:fan3m2o7wq1b" and fan.author.followers is None
        critic = self.posts[self.uri("did:plc:watch9k2v8r1s", "3m6crit00001")]
        assert critic.urls == ["https://harborwatch.example.org/dock-st"]
        assert [m.alt for m in critic.media] == [None, "A line of officers in riot gear facing a crowd"]
        assert critic.media[0].url == ("https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:watch9k2v8r1s/"
                                       "bafkreidockstreetlinezz@jpeg")

    def test_reply_quote_record_with_media_and_video(self) -> None:
        launch = self.uri("did:plc:hcpd7owner2xq4k", "3m6launch0001")
        assert self.posts[self.uri("did:plc:watch9k2v8r1s", "3m6crit00002")].reply_to == launch
        assert self.posts[self.uri("did:plc:lenak4t6y2p0", "3m6wit000001")].quote_of == launch
        both = self.posts[self.uri("did:plc:lenak4t6y2p0", "3m6wit000002")]
        assert both.quote_of == launch and both.media[0].alt == "A folded arrest notice taped to a door"
        video = self.posts[self.uri("did:plc:watch9k2v8r1s", "3m6crit00003")]
        assert video.media[0].type == "video" and video.lang is None

    def test_reposts_point_to_the_subject_even_via_another_repost(self) -> None:
        via = self.posts[self.uri("did:plc:noor5h3j7c2e", "3m6arrp00001", "app.bsky.feed.repost")]
        assert via.repost_of == self.uri("did:plc:watch9k2v8r1s", "3m6crit00001") and via.text == ""

    def test_time_falls_back_to_time_us(self) -> None:
        post = self.posts[self.uri("did:plc:fan3m2o7wq1b", "3m6fan000003")]
        assert post.created_at == datetime.fromtimestamp(self.events[17]["time_us"] / 1e6, tz=UTC)

    def test_non_post_events_are_unknown_records(self) -> None:
        for index in (5, 11, 14, 18):  # identity, like, delete, account
            with pytest.raises(UnknownRecord):
                jetstream.to_post(self.events[index])

    def test_optional_record_fields(self) -> None:
        event = self.events[9]
        for key in ("langs", "facets", "reply", "embed"):
            record = {k: v for k, v in event["commit"]["record"].items() if k != key}
            post = jetstream.to_post({**event, "commit": {**event["commit"], "record": record}})
            assert post.id.endswith("3m6crit00002")
        no_time = {k: v for k, v in event.items() if k != "time_us"}
        assert jetstream.to_post(no_time).created_at.year == 2025

    def test_written_facets_index_utf8_bytes(self) -> None:
        post = Post(id="at://did:plc:x/app.bsky.feed.post/1", platform="bluesky",
                    author={"handle": "did:plc:x"}, created_at="2025-01-01T00:00:00Z",
                    text="👮‍♀️ שלום #MyHCPD 警察 #旅行", hashtags=["MyHCPD", "旅行", "NotInText"])
        record = jetstream.to_raw(post)["commit"]["record"]
        assert [covered for _, _, covered in jetstream.facets(record)] == ["#MyHCPD", "#旅行"]
        assert record["tags"] == ["NotInText"]
        assert jetstream.to_post(jetstream.to_raw(post)).hashtags == ["MyHCPD", "旅行", "NotInText"]


# ------------------------------------------------------------------ Mastodon

class TestMastodon:
    rest = by_id("mastodon_rest.jsonl")
    stream = by_id("mastodon_stream.jsonl")
    H = "https://harbor.social/users/"
    MIRA = "https://mastodon.example/users/mira/statuses/"

    def test_html_becomes_plain_text_with_entities_decoded(self) -> None:
        launch = self.rest[self.H + "HarborCityPD/statuses/115500000000000001"]
        assert launch.text == ("Have a photo with one of our officers? Share it with #MyHCPD and we'll "
                               "feature our favourites!\n\nThank you, Harbor City 💙")
        critic = self.rest["https://tenants.example/users/dockstreet/statuses/88001"]
        assert 'the "community outreach" at Dock St, batons & all. So proud 🥲\nFull report: ' \
               "https://harborwatch.example.org/dock-st" in critic.text
        assert critic.urls == ["https://harborwatch.example.org/dock-st"]
        he = self.rest["https://mastodon.example/users/mira/statuses/115500000000000032"]
        assert he.text == "תודה על <<הדיאלוג הפתוח>> #MyHCPD 🙄"

    def test_spoiler_first_and_paragraphs(self) -> None:
        post = self.rest["https://tenants.example/users/dockstreet/statuses/115500000000000020"]
        assert post.text.startswith("police violence, long\n\nLong one, sorry.\n\nI asked")
        assert '"go through the proper channels".\nThe proper channel' in post.text

    def test_reblog_quote_and_reply(self) -> None:
        reblog = self.rest[self.H + "jo_gardens/statuses/115500000000000003/activity"]
        assert reblog.repost_of == self.H + "HarborCityPD/statuses/115500000000000001"
        assert reblog.author.handle == "jo_gardens" and reblog.text.startswith("Have a photo")
        assert reblog.media[0].alt == "Officers and children at a fire-safety day"
        quote = self.rest[self.MIRA + "115500000000000012"]
        assert quote.quote_of == reblog.repost_of and "RE:" not in quote.text
        assert quote.embedded[0].author.handle == "HarborCityPD"
        shallow = self.rest["https://tenants.example/users/dockstreet/statuses/115500000000000013"]
        assert shallow.quote_of == "115500000000000001" and shallow.embedded == []
        reply = self.rest["https://machi.example/users/haru/statuses/115500000000000041"]
        assert reply.reply_to == "115500000000000010" and reply.mentions == ["dockstreet@tenants.example"]
        assert reply.lang is None

    def test_tags_keep_the_written_case(self) -> None:
        quote = self.rest[self.MIRA + "115500000000000012"]
        assert quote.hashtags == ["MyHCPD", "MyHCFD"]

    def test_stream_messages(self) -> None:
        assert self.H + "jo_gardens/statuses/115600000000000002" in self.stream
        update = lines("mastodon_stream.jsonl")[0]
        post = mastodon.to_post(update)
        assert post.raw == update and post.media[0].alt == "Protesters penned in by a police line"
        edit = {**update, "event": "status.update"}
        assert mastodon.to_post(edit).id == post.id
        for event in ("delete", "notification", "filters_changed"):
            with pytest.raises(UnknownRecord, match=event):
                mastodon.to_post({"stream": ["public"], "event": event, "payload": "1"})
        with pytest.raises(SourceError, match="malformed JSON"):
            mastodon.to_post({"stream": ["public"], "event": "update", "payload": "{not json"})

    def test_opted_out_accounts(self) -> None:
        assert mastodon.opted_out(lines("mastodon_rest.jsonl")[5]["account"])  # #NoBot in the bio
        assert mastodon.opted_out({"note": "", "fields": [{"name": "Bots", "value": "#nosearch please"}]})
        assert mastodon.opted_out({"note": "hello", "noindex": True})
        assert not mastodon.opted_out({"note": "<p>I like #bots</p>", "noindex": False})

    @pytest.mark.parametrize("text", [
        "plain", "a & b < c > d \"quoted\" 'single'", "line one\nline two", "para one\n\npara two\n\nthree",
        "#MyHCPD @someone@example.social https://example.org/a?b=1&c=2 end", "emoji 😊 עברית العربية 中文",
    ])
    def test_text_to_html_round_trips(self, text: str) -> None:
        assert mastodon.html_to_text(mastodon.text_to_html(text))[0] == text


# ------------------------------------------------------------------ CSV

class TestCsv:
    posts: ClassVar[list[Post]] = [p for p in read_posts(DATA / "csv_posts.csv") if isinstance(p, Post)]

    def test_columns_and_fallbacks(self) -> None:
        by = {p.id: p for p in self.posts}
        assert by["c2"].created_at == datetime(2014, 4, 22, 16, 10, tzinfo=UTC)  # +02:00 -> UTC
        assert by["c3"].created_at == datetime.fromtimestamp(1398194000, tz=UTC)  # epoch seconds
        assert by["c9"].created_at == datetime.fromtimestamp(1398198000, tz=UTC)  # epoch milliseconds
        assert by["c4"].created_at == datetime(2014, 4, 22, 20, 1, 2, tzinfo=UTC)  # v1.1 format
        assert by["c4"].author.followers == 48200 and "\nSo community-minded!" in by["c4"].text
        assert by["c6"].created_at == datetime(1970, 1, 1, 0, 0, 5, tzinfo=UTC)  # row 5, no time
        assert by["4"].author.handle == "civil_lines"  # row 4 has no id
        assert by["c9"].author.handle == "unknown" and by["c9"].lang is None
        assert by["c3"].repost_of == "c1" and by["c2"].reply_to == "c1"
        assert by["c10"].hashtags == ["MyHCPD", "MyHCFD"] and by["c10"].mentions == ["HarborCityPD"]
        assert by["c8"].urls == ["https://example.org/x"]

    def test_row_without_text_is_a_missing_field(self) -> None:
        with pytest.raises(SourceError, match="text"):
            csv_source.to_post({"id": "1", "__row": 0})

    def test_bad_time_and_followers(self) -> None:
        with pytest.raises(SourceError, match="time"):
            csv_source.to_post({"text": "x", "created_at": "yesterday", "__row": 0})
        with pytest.raises(SourceError, match="followers"):
            csv_source.to_post({"text": "x", "followers": "lots", "__row": 0})


# ------------------------------------------------------------------ shared helpers

def test_text_entity_helpers() -> None:
    assert hashtags_in("#MyHCPD #myhcpd #2014 x#no &#39; #中文 #تجربة") == ["MyHCPD", "中文", "تجربة"]
    assert mentions_in("@HarborCityPD @mira@mastodon.example me@example.com") == [
        "HarborCityPD", "mira@mastodon.example"]
    assert urls_in("see https://example.org/a, and (http://x.example/b).") == [
        "https://example.org/a", "http://x.example/b"]


@pytest.mark.parametrize(("value", "expected"), [
    ("2014-04-22T18:02:11Z", datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)),
    ("2014-04-22T18:02:11.500+00:00", datetime(2014, 4, 22, 18, 2, 11, 500000, tzinfo=UTC)),
    ("2014-04-22 18:02:11", datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)),
    ("Tue Apr 22 18:02:11 +0000 2014", datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)),
    (1398189731, datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)),
    ("1398189731000", datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)),
    ("Tue, 22 Apr 2014 18:02:11 +0000", datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)),
    ("2014-04-22 20:02:11 +0200", datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)),
    ("2014/04/22 18:02:11", datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)),
    ("Apr 22, 2014 18:02:11", datetime(2014, 4, 22, 18, 2, 11, tzinfo=UTC)),
])
def test_parse_time(value: Any, expected: datetime) -> None:
    assert parse_time(value, epoch=True) == expected
    if isinstance(value, int) or value.isdigit():  # JSON formats take no epoch numbers
        with pytest.raises(SourceError):
            parse_time(value)

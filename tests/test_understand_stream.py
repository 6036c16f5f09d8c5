"""`classify_posts`: distinct texts once, reposts inherit, owner's posts are support, input order kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from backfire.model import Author, Campaign, Post, Verdict
from backfire.understand import classify_posts
from backfire.understand.stream import LRU

CAMPAIGN = Campaign.for_tag("myNYPD", owner="NYPDnews")


class Counting:
    """A fake classifier that records every text it is asked about."""

    name = "counting"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        self.seen.extend(p.text for p in posts)
        return [Verdict(post_id=p.id, stance="hostile" if "baton" in p.text else "support",
                        p_hostile=0.9 if "baton" in p.text else 0.1, model="counting") for p in posts]


def post(
    i: str, text: str, author: str = "a", repost_of: str | None = None, embedded: list[Post] | None = None
) -> Post:
    return Post(id=i, platform="t", author=Author(handle=author), text=text, repost_of=repost_of,
                created_at=datetime(2014, 4, 22, 18, tzinfo=UTC), embedded=embedded or [])


def test_each_distinct_text_is_classified_once() -> None:
    clf = Counting()
    posts = [post("1", "Great baton work #myNYPD"), post("2", "great  BATON work #myNYPD http://x.co/1"),
             post("3", "Nice officers"), post("4", "Great baton work #myNYPD")]
    out = list(classify_posts(posts, CAMPAIGN, clf, batch_size=2))
    assert [p.id for p, _ in out] == ["1", "2", "3", "4"]
    assert [v.post_id for _, v in out] == ["1", "2", "3", "4"]
    assert len(clf.seen) == 2
    assert all(v.inherited_from is None for _, v in out)


def test_reposts_inherit_the_original_seen_in_the_stream() -> None:
    clf = Counting()
    posts = [post("1", "baton charge, lovely #myNYPD"), post("2", "", repost_of="1"),
             post("3", "RT @a: baton charge, lovely #myNYPD", repost_of="1"), post("4", "", repost_of="3")]
    out = dict((p.id, v) for p, v in classify_posts(posts, CAMPAIGN, clf))
    assert clf.seen == ["baton charge, lovely #myNYPD"]
    assert out["2"].stance == "hostile" and out["2"].inherited_from == "1" and out["2"].post_id == "2"
    assert out["3"].inherited_from == "1"
    assert out["4"].inherited_from == "3" and out["4"].stance == "hostile"


def test_reposts_use_an_embedded_original() -> None:
    clf = Counting()
    original = post("9", "what a baton #myNYPD", author="activist")
    out = list(classify_posts([post("1", "", repost_of="9", embedded=[original])], CAMPAIGN, clf))
    assert out[0][1].inherited_from == "9" and out[0][1].stance == "hostile"
    assert clf.seen == ["what a baton #myNYPD"]


def test_repost_of_unknown_original_uses_own_text_or_is_neutral() -> None:
    clf = Counting()
    out = dict((p.id, v) for p, v in classify_posts(
        [post("1", "RT @x: baton time", repost_of="77"), post("2", "", repost_of="78")], CAMPAIGN, clf))
    assert out["1"].stance == "hostile" and out["1"].inherited_from is None and out["1"].judged
    assert out["2"].stance == "neutral" and out["2"].p_hostile == 0.5 and not out["2"].judged  # no evidence


def test_owner_posts_are_support_and_not_classified() -> None:
    clf = Counting()
    out = list(classify_posts([post("1", "baton photos welcome", author="@nypdNEWS")], CAMPAIGN, clf))
    assert out[0][1].stance == "support" and clf.seen == []
    out = list(classify_posts([post("1", "baton photos welcome", author="nypdnews")], None, clf))
    assert out[0][1].stance == "hostile"


def test_repost_of_owner_post_is_support() -> None:
    clf = Counting()
    posts = [post("1", "Tag us #myNYPD", author="NYPDnews"), post("2", "", repost_of="1")]
    out = list(classify_posts(posts, CAMPAIGN, clf))
    assert out[1][1].stance == "support" and out[1][1].inherited_from == "1"


def test_streams_lazily() -> None:
    clf = Counting()

    def endless() -> object:
        i = 0
        while True:
            i += 1
            yield post(str(i), f"text {i}")

    gen = classify_posts(endless(), None, clf, batch_size=4)  # type: ignore[arg-type]
    first = [next(gen) for _ in range(3)]
    assert [p.id for p, _ in first] == ["1", "2", "3"]


def test_lru_is_bounded() -> None:
    lru: LRU[int] = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1
    lru.put("c", 3)
    assert lru.get("b") is None and lru.get("a") == 1 and lru.get("c") == 3


def test_a_text_naming_the_campaign_owner_is_not_taken_for_one_naming_another_account() -> None:
    clf = Counting()
    posts = [post("1", "@NYPDnews your baton work"), post("2", "@bob your baton work"),
             post("3", "@carol your baton work"), post("4", "@nypdnews  your baton work")]
    list(classify_posts(posts, CAMPAIGN, clf))
    assert clf.seen == ["@NYPDnews your baton work", "@bob your baton work"]


def test_praise_answering_a_hostile_post_is_not_support() -> None:
    clf = Counting()
    attack = post("1", "cops swinging a baton at a kid #myNYPD", author="critic")
    cheer = post("2", "great job guys!", author="fan").model_copy(update={"reply_to": "1"})
    alone = post("3", "great job guys!", author="fan2")
    out = {p.id: v for p, v in classify_posts([attack, cheer, alone], CAMPAIGN, clf)}
    assert out["1"].stance == "hostile"
    assert out["2"].stance == "neutral" and "answers a hostile post" in out["2"].reason
    assert out["3"].stance == "support"  # the same text, not in that thread, keeps its own reading
    assert clf.seen.count("great job guys!") == 1  # the text is still classified once


def test_sarcastic_praise_answering_a_post_that_shows_force_is_hostile() -> None:
    class Sarcastic(Counting):
        def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
            return [v.model_copy(update={"sarcasm": 0.8 if "lovely" in p.text else 0.1, "stance": "support"})
                    for p, v in zip(posts, super().predict_many(posts, campaign), strict=True)]

    scene = post("1", "officers dragged a woman out of the subway car", author="witness")
    reply = post("2", "how lovely, community policing at its best", author="wit").model_copy(
        update={"reply_to": "1"})
    out = {p.id: v for p, v in classify_posts([scene, reply], CAMPAIGN, Sarcastic())}
    assert out["2"].stance == "hostile" and out["2"].p_hostile >= 0.8 and "shows force" in out["2"].reason

"""The default model on posts we wrote: sarcasm, campaign awareness and the verdict fields."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backfire.model import Author, Campaign, Post, Verdict
from backfire.understand.classifier import DefaultClassifier

DATA = Path(__file__).parent / "data" / "understand"
CAMPAIGN = Campaign.for_tag("myNYPD", owner="NYPDnews", intent="Share photos of you with our officers")


@pytest.fixture(scope="module")
def verdicts() -> dict[str, tuple[dict[str, str], Verdict]]:
    rows = [json.loads(line) for line in (DATA / "campaign_posts.jsonl").read_text(encoding="utf-8").splitlines()]
    posts = [Post(id=r["id"], platform="t", author=Author(handle=r["author"]), text=r["text"],
                  created_at=datetime(2014, 4, 22, 18, tzinfo=UTC)) for r in rows]
    out = DefaultClassifier.shared().predict_many(posts, CAMPAIGN)
    return {r["id"]: (r, v) for r, v in zip(rows, out, strict=True)}


def test_expected_stances(verdicts: dict[str, tuple[dict[str, str], Verdict]]) -> None:
    wrong = []
    for key, (row, v) in verdicts.items():
        ok = v.stance != "hostile" if row["expect"] == "not-hostile" else v.stance == row["expect"]
        if not ok:
            wrong.append(f"{key}: expected {row['expect']}, got {v.stance} ({v.reason})")
    assert not wrong, "\n".join(wrong)


def test_sarcastic_praise_is_hostile_and_explained(verdicts: dict[str, tuple[dict[str, str], Verdict]]) -> None:
    _, v = verdicts["h1"]
    assert v.stance == "hostile" and v.p_hostile >= 0.5
    assert "praise" in v.reason or "sarcas" in v.reason


def test_owner_is_support(verdicts: dict[str, tuple[dict[str, str], Verdict]]) -> None:
    _, v = verdicts["own"]
    assert v.stance == "support" and v.p_hostile < 0.05 and "owner" in v.reason


def test_campaign_changes_the_verdict() -> None:
    clf = DefaultClassifier.shared()
    attack = Post(id="x", platform="t", author=Author(handle="z"), created_at=datetime(2014, 4, 22, tzinfo=UTC),
                  text="Love the #myNYPD officers, great work beating that kid with batons")
    with_campaign = clf.predict_one(attack, CAMPAIGN)
    assert with_campaign.stance == "hostile"
    owner_post = attack.model_copy(update={"author": Author(handle="NYPDnews")})
    assert clf.predict_one(owner_post, CAMPAIGN).stance == "support"
    assert clf.predict_one(owner_post, None).stance != "support" or clf.predict_one(owner_post, None).p_hostile > 0.02


def test_sentiment_reads_plain_text() -> None:
    clf = DefaultClassifier.shared()

    def post(text: str) -> Post:
        return Post(id="1", platform="t", author=Author(handle="a"), text=text,
                    created_at=datetime(2014, 4, 22, tzinfo=UTC))

    happy = clf.predict_one(post("What a lovely sunny day with my family, so happy!"))
    sad = clf.predict_one(post("Worst day ever, I hate this awful weather and my phone broke"))
    assert happy.sentiment_label == "positive" and happy.sentiment > 0.3
    assert sad.sentiment_label == "negative" and sad.sentiment < -0.3
    rude = clf.predict_one(post("you are a fucking idiot, shut up"))
    assert rude.offensive > 0.5


def test_a_negative_word_alone_does_not_make_news_about_the_owner_hostile() -> None:
    from backfire.understand.stance import Probs, decide

    apple = Campaign.for_tag("AAPL", owner="Apple")
    news = "@Apple loses ground to rivals as the ageing player struggles #AAPL"  # VADER: -0.59
    calm = Probs(hostile=0.2, neutral=0.7, support=0.1, sarcasm=0.3, offensive=0.05, negative=0.2)
    assert decide(news, "reporter", calm, apple).stance == "neutral"  # the lexicon says "rejected"; the head doesn't
    angry = Probs(hostile=0.2, neutral=0.7, support=0.1, sarcasm=0.3, offensive=0.05, negative=0.8)
    verdict = decide(news, "reporter", angry, apple)
    assert verdict.stance == "hostile" and verdict.notes  # when the trained head agrees, it is


def test_force_in_any_inflection_under_cheerful_framing_is_hostile() -> None:
    from backfire.understand.stance import Probs, decide

    cheerful = Probs(hostile=0.05, neutral=0.8, support=0.15, sarcasm=0.4, offensive=0.05, positive=0.6)
    for text in ("Making memories with #myNYPD: kettling the march ❤️", "#myNYPD officers pepper-spraying a choir 😊"):
        assert decide(text, "someone", cheerful, CAMPAIGN).stance == "hostile", text
    benign = "Officer kneeling to pet a dog ❤️ #myNYPD"
    assert decide(benign, "someone", cheerful, CAMPAIGN).stance != "hostile"


def test_a_closing_tag_alone_does_not_aim_idioms_or_everyday_complaints_at_the_campaign() -> None:
    from backfire.understand.stance import Probs, decide

    apple = Campaign.for_tag("AAPL", owner="Apple")
    cheerful = Probs(hostile=0.05, neutral=0.45, support=0.5, sarcasm=0.3, offensive=0.05, positive=0.9)
    idiom = "Happy Star Wars Day from all of us! May the force be with you #AAPL"
    assert decide(idiom, "fan", cheerful, apple).stance == "support"  # a tag added, not force aimed at Apple
    named = "Happy Star Wars Day @Apple, love how your guards beat the queue #AAPL"
    assert decide(named, "fan", cheerful, apple).stance == "hostile"  # the same words aimed at the owner
    sarcastic = Probs(hostile=0.05, neutral=0.45, support=0.5, sarcasm=0.8, offensive=0.05, positive=0.9)
    assert decide(idiom, "fan", sarcastic, apple).stance == "hostile"  # sarcasm aims it, as in #myNYPD

    gloomy = Probs(hostile=0.25, neutral=0.6, support=0.15, sarcasm=0.3, offensive=0.05, negative=0.7)
    filed = "so tired, my laptop died again before the exam #AAPL"
    assert decide(filed, "student", gloomy, apple).p_hostile < 0.5  # everyday gloom filed under the tag
    aimed = "so tired, my Apple laptop died again before the exam #AAPL"
    verdict = decide(aimed, "student", gloomy, apple)
    assert verdict.stance == "hostile" and verdict.notes == ["criticises the campaign's owner"]


def test_without_an_owner_a_complaint_to_an_account_is_not_read_as_aimed_elsewhere() -> None:
    from backfire.understand.stance import Probs, decide

    gloomy = Probs(hostile=0.6, neutral=0.3, support=0.1, sarcasm=0.2, offensive=0.05, negative=0.8)
    complaint = "@Apple my phone died again, worst support ever #AAPL"
    tag_only = decide(complaint, "customer", gloomy, Campaign.for_tag("AAPL"))
    assert tag_only.stance == "hostile" and tag_only.p_hostile >= 0.6 and tag_only.notes == []
    owned = decide(complaint, "customer", gloomy, Campaign.for_tag("AAPL", owner="Apple"))
    assert owned.stance == "hostile" and owned.notes == ["criticises the campaign's owner"]
    rival = decide(complaint, "customer", gloomy, Campaign.for_tag("AAPL", owner="Samsung"))
    assert rival.stance != "hostile" and rival.notes == ["negativity aimed at another account, not the campaign"]


def test_an_owner_with_a_domain_or_known_by_its_did_still_reads_complaints_to_it_as_hostile() -> None:
    from backfire.understand.stance import Probs, decide

    gloomy = Probs(hostile=0.6, neutral=0.3, support=0.1, sarcasm=0.2, offensive=0.05, negative=0.8)
    bluesky = "@apple.bsky.social my phone died again, worst support ever #AAPL"
    owned = decide(bluesky, "customer", gloomy, Campaign.for_tag("AAPL", owner="apple.bsky.social"))
    assert owned.stance == "hostile" and owned.notes == ["criticises the campaign's owner"]
    remote = decide("@Apple my phone died again, worst support ever #AAPL", "customer", gloomy,
                    Campaign.for_tag("AAPL", owner="Apple@mastodon.social"))
    assert remote.stance == "hostile" and remote.notes == ["criticises the campaign's owner"]
    # A Jetstream file names accounts by DID alone: the owner's posts are known, its name in a text is not,
    # so a complaint to an account reads as it does with the tag alone (not as aimed elsewhere).
    did = Campaign.for_tag("AAPL", owner="did:plc:applexxx")
    by_did = decide("@Apple my phone died again, worst support ever #AAPL", "customer", gloomy, did)
    assert by_did.stance == "hostile" and by_did.notes == []
    assert decide("Share your photos #AAPL", "did:plc:applexxx", gloomy, did).stance == "support"


def test_the_hostile_threshold_decides_not_the_largest_probability() -> None:
    from backfire.understand.stance import Probs, decide

    complaint = "@Acme my order is three weeks late and nobody answers"
    unsure = dict(hostile=0.35, neutral=0.45, support=0.2, sarcasm=0.2, offensive=0.05, negative=0.3)
    assert decide(complaint, "a", Probs(**unsure, threshold=0.3), None).stance == "hostile"
    assert decide(complaint, "a", Probs(**unsure, threshold=0.5), None).stance == "neutral"


def test_sarcastic_praise_of_the_campaign_without_force_words_is_hostile() -> None:
    from backfire.understand.stance import Probs, decide

    text = "Such wonderful community engagement from the finest officers #myNYPD"
    mocking = Probs(hostile=0.1, neutral=0.3, support=0.6, sarcasm=0.85, offensive=0.1, positive=0.7,
                    negative=0.35)
    verdict = decide(text, "critic", mocking, CAMPAIGN)
    assert verdict.stance == "hostile" and verdict.p_hostile >= 0.8 and "sarcastic praise" in " ".join(verdict.notes)
    sincere = Probs(hostile=0.02, neutral=0.2, support=0.78, sarcasm=0.85, offensive=0.02, positive=0.9,
                    negative=0.02)
    held = decide(text, "fan", sincere, CAMPAIGN)  # read as sarcastic, nothing else says so: held, not hostile
    assert held.stance == "neutral" and "not counted as support" in " ".join(held.notes)


def test_no_verdict_is_support_and_sarcastic() -> None:
    import random

    from backfire.understand.stance import Probs, decide

    rng = random.Random(5)
    texts = ["Great job #myNYPD", "love our officers @NYPDnews", "what a day", "thanks for nothing #myNYPD"]
    for _ in range(300):
        h, n = rng.random() * 0.6, rng.random() * 0.5
        probs = Probs(hostile=h, neutral=n, support=max(0.0, 1 - h - n), sarcasm=rng.random(),
                      offensive=rng.random() * 0.3, positive=rng.random(), negative=rng.random() * 0.5,
                      threshold=rng.choice([0.3, 0.5]))
        for campaign in (None, CAMPAIGN):
            d = decide(rng.choice(texts), "someone", probs, campaign)
            assert not (d.stance == "support" and probs.sarcasm >= 0.5)

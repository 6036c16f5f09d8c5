"""Simulated streams carrying real labelled posts (backfire.simulate.realtext)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backfire.model import Campaign
from backfire.simulate import generate
from backfire.simulate.realtext import TextBank, with_real_texts
from backfire.training.data import available

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BANK = TextBank({"hostile": ["@Apple my phone died again", "worst update ever #fail"],
                 "support": ["love my new laptop", "great service today"],
                 "neutral": ["store opens at nine", "new update is out"]})


def test_every_post_gets_a_real_text_of_its_true_stance_and_the_structure_stays() -> None:
    sim = generate("mynypd", seed=4, hours=4)
    real = with_real_texts(sim, BANK, seed=1)
    assert real.truth == sim.truth and real.labels == sim.labels  # a bank without a campaign keeps it
    assert [(p.id, p.created_at, p.author, p.reply_to, p.repost_of, p.quote_of) for p in real.posts] == \
        [(p.id, p.created_at, p.author, p.reply_to, p.repost_of, p.quote_of) for p in sim.posts]
    texts = {p.id: p.text for p in real.posts}
    bank = {t: s for s, ts in BANK.texts.items() for t in ts}
    for before, after in zip(sim.posts, real.posts, strict=True):
        if sim.campaign.is_owner(after.author.handle):
            assert after.text == before.text
        elif after.repost_of is not None and after.repost_of in texts:
            assert after.text == texts[after.repost_of]
        else:
            body = after.text.removesuffix(" #myNYPD")
            body = body[len(body) - max(len(t) for t in bank if body.endswith(t)):]
            assert bank[body] == real.labels[after.id].stance
            assert "myNYPD" in after.hashtags and not after.media
    assert with_real_texts(sim, BANK, seed=1).posts == real.posts
    assert with_real_texts(sim, BANK, seed=2).posts != real.posts


def test_the_stream_becomes_the_campaign_the_stances_are_toward() -> None:
    sim = generate("mynypd", seed=4, hours=4)
    bank = TextBank(BANK.texts, Campaign.for_tag("AAPL", owner="Apple"))
    real = with_real_texts(sim, bank, seed=1)
    assert real.campaign.tags == ["AAPL"] and real.campaign.launched_at == sim.campaign.launched_at
    assert real.truth.onset == sim.truth.onset and real.truth.trigger_accounts == sim.truth.trigger_accounts
    owners = [(b, a) for b, a in zip(sim.posts, real.posts, strict=True) if sim.campaign.is_owner(b.author.handle)]
    assert owners and all(a.author.handle == "Apple" and a.text == b.text for b, a in owners)
    owned = {a.id for _, a in owners}
    joined = [p for p in real.posts if not real.campaign.is_owner(p.author.handle) and p.repost_of not in owned]
    assert joined and all("AAPL" in p.hashtags for p in joined)
    others = [p for p in sim.posts if not sim.campaign.is_owner(p.author.handle)]
    assert not any(real.campaign.is_owner(p.author.handle) for p in others)


def test_an_answer_keeps_the_mentions_it_opens_with() -> None:
    sim = generate("mynypd", seed=4, hours=4)
    real = with_real_texts(sim, BANK, seed=1)
    answers = [(b, a) for b, a in zip(sim.posts, real.posts, strict=True)
               if a.reply_to is not None and b.text.startswith("@")]
    assert answers
    for before, after in answers:
        assert after.text.split()[0] == before.text.split()[0]


def test_a_bank_needs_every_stance_and_reads_a_csv(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="none for neutral"):
        TextBank({"hostile": ["a"], "support": ["b"], "neutral": []})
    path = tmp_path / "bank.csv"
    path.write_text('text,stance\n"so bad, fix it",hostile\nlove it,support\nok,neutral\n,support\nx,other\n',
                    encoding="utf-8")
    assert TextBank.from_csv(path).sizes() == {"hostile": 1, "neutral": 1, "support": 1}


@pytest.mark.skipif(not available(SHARED), reason="needs ../shared/data")
def test_the_shared_bank_holds_only_posts_the_classifier_never_trained_on() -> None:
    from backfire.training import data

    bank = TextBank.shared(SHARED)
    assert bank.campaign is not None and bank.campaign.owners == ["Apple"]
    sizes = bank.sizes()
    assert sizes["hostile"] >= 200 and sizes["support"] >= 500 and sizes["neutral"] >= 500
    apple, sentiment = data.brand(SHARED, "val", data.SEED), data.tweeteval(SHARED, "sentiment", "val")
    assert set(bank.texts["hostile"]) <= set(apple.texts)
    assert set(bank.texts["support"]) | set(bank.texts["neutral"]) <= set(apple.texts) | set(sentiment.texts)
    trained = set(data.brand(SHARED, "train", data.SEED).texts)
    trained |= set(data.tweeteval(SHARED, "sentiment", "train").texts)
    assert not trained & {t for ts in bank.texts.values() for t in ts}

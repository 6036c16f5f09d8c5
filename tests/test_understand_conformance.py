"""One suite run on every classifier registered in the `backfire.classifiers` entry-point group.

Each must be deterministic, agree between `predict_one` and `predict_many`, keep every field in range,
survive empty / emoji-only / right-to-left / very long text, show its configuration in `repr`, and pickle.
"""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from backfire.model import Author, Campaign, Post, Verdict
from backfire.understand import ENTRY_POINT_GROUP, Classifier, available_classifiers, get_classifier

DATA = Path(__file__).parent / "data" / "understand"
CAMPAIGN = Campaign.for_tag("myNYPD", owner="NYPDnews")
_CACHE: dict[str, Classifier] = {}


def registered() -> list[str]:
    names = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names | {"default", "baseline"})


def build(name: str) -> Classifier:
    if name not in _CACHE:
        if name == "default":
            from backfire.understand.classifier import DefaultClassifier

            _CACHE[name] = DefaultClassifier.shared()
        else:
            _CACHE[name] = get_classifier(name)
    return _CACHE[name]


def load_posts(name: str) -> list[Post]:
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]
    return [
        Post(id=r["id"], platform="test", author=Author(handle=r.get("author", "someone")), text=r["text"],
             created_at=datetime(2014, 4, 22, 18, i, tzinfo=UTC))
        for i, r in enumerate(rows)
    ]


def edge_posts() -> list[Post]:
    posts = load_posts("edge_posts.jsonl")
    long = Post(id="long", platform="test", author=Author(handle="x"), created_at=datetime(2014, 4, 22, tzinfo=UTC),
                text="the officers were so helpful " * 2000)
    return [*posts, long]


@pytest.fixture(params=registered())
def classifier(request: pytest.FixtureRequest) -> Classifier:
    return build(request.param)


def check_ranges(v: Verdict) -> None:
    assert v.stance in ("support", "neutral", "hostile")
    for field in (v.p_hostile, v.p_support, v.sarcasm, v.offensive):
        assert 0.0 <= field <= 1.0
    assert -1.0 <= v.sentiment <= 1.0
    assert v.sentiment_label in ("negative", "neutral", "positive")
    assert v.model


def test_registry_names_every_classifier() -> None:
    names = available_classifiers()
    assert {"default", "baseline", "llm"} <= set(names)
    with pytest.raises(ValueError, match="Unknown classifier"):
        get_classifier("no-such-model")


def test_implements_protocol(classifier: Classifier) -> None:
    assert isinstance(classifier, Classifier)
    assert classifier.name
    assert (type(classifier).__doc__ or "").strip()


def test_fields_in_range_on_edge_cases(classifier: Classifier) -> None:
    posts = edge_posts()
    verdicts = classifier.predict_many(posts, CAMPAIGN)
    assert [v.post_id for v in verdicts] == [p.id for p in posts]
    for v in verdicts:
        check_ranges(v)


def test_deterministic(classifier: Classifier) -> None:
    posts = load_posts("campaign_posts.jsonl")
    assert classifier.predict_many(posts, CAMPAIGN) == classifier.predict_many(posts, CAMPAIGN)


def test_predict_one_matches_predict_many(classifier: Classifier) -> None:
    posts = load_posts("campaign_posts.jsonl")
    many = classifier.predict_many(posts, CAMPAIGN)
    for post, batch in zip(posts, many, strict=True):
        one = classifier.predict_one(post, CAMPAIGN)
        # bfloat16 matrix products differ with the batch's shape (its padding and row count): on a CPU with
        # AMX, embeddings by up to 2e-3, which the heads turn into up to 0.04 of a probability (measured
        # on these posts: 0.041, "three cops kneeling on a teenager"; float32 gives 0). Allow 0.06.
        assert one.stance == batch.stance
        assert one.sentiment_label == batch.sentiment_label
        for field in ("p_hostile", "p_support", "sarcasm", "sentiment", "offensive"):
            assert getattr(one, field) == pytest.approx(getattr(batch, field), abs=0.06)


def test_empty_batch(classifier: Classifier) -> None:
    assert classifier.predict_many([], CAMPAIGN) == []


def test_without_campaign(classifier: Classifier) -> None:
    for v in classifier.predict_many(load_posts("campaign_posts.jsonl")[:3], None):
        check_ranges(v)


def test_repr_shows_configuration(classifier: Classifier) -> None:
    text = repr(classifier)
    assert type(classifier).__name__ in text and "(" in text and "=" in text


def test_pickles(classifier: Classifier) -> None:
    clone = pickle.loads(pickle.dumps(classifier))
    post = load_posts("campaign_posts.jsonl")[0]
    assert clone.predict_one(post, CAMPAIGN) == classifier.predict_one(post, CAMPAIGN)

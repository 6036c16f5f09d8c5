"""Reviewer corrections adapt verdicts for one campaign without retraining."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from backfire.model import Author, Campaign, Post, Verdict
from backfire.understand.adapt import AdaptedClassifier, adapt

CAMPAIGN = Campaign.for_tag("myNYPD", owner="NYPDnews")
WORDS = ("horse", "baton", "selfie", "kettle", "parade")


class Toy:
    """Says neutral to everything; embeds a text as a bag of five marker words."""

    name = "toy"

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        return [Verdict(post_id=p.id, stance="neutral", p_hostile=0.2, p_support=0.2, model="toy") for p in posts]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.array([[float(w in t.casefold()) for w in WORDS] for t in texts]) + 1e-6
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def post(i: str, text: str, author: str = "someone") -> Post:
    return Post(id=i, platform="t", author=Author(handle=author), text=text,
                created_at=datetime(2014, 4, 22, 18, tzinfo=UTC))


def test_labels_move_similar_posts_only() -> None:
    labelled = [(post("a", "kettle at the square"), "hostile"), (post("b", "kettle again"), "hostile"),
                (post("c", "horse parade"), "support")]
    clf = AdaptedClassifier(Toy(), labelled, radius=0.7)
    near, far, exact = clf.predict_many([post("1", "another kettle today"), post("2", "a selfie"),
                                         post("3", "Kettle again")], CAMPAIGN)
    assert near.stance == "hostile" and near.p_hostile > 0.5 and "reviewer" in near.reason
    assert far.stance == "neutral" and far.p_hostile == 0.2
    assert exact.stance == "hostile" and exact.p_hostile == 1.0
    assert "examples=3" in repr(clf) and clf.name == "toy+adapted"


def test_owner_posts_are_not_overridden() -> None:
    clf = AdaptedClassifier(Toy(), [(post("a", "kettle"), "hostile")])
    assert clf.predict_one(post("1", "kettle", author="NYPDnews"), CAMPAIGN).stance == "neutral"


def test_adapt_without_labels_returns_the_base() -> None:
    base = Toy()
    assert adapt(base, []) is base
    assert isinstance(adapt(base, [(post("a", "baton"), "hostile")]), AdaptedClassifier)

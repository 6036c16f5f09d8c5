"""A baseline, not the product's model: VADER's lexicon score read as stance. Kept to be beaten.

>>> from backfire.model import Author, Post
>>> p = Post(id="1", platform="csv", author=Author(handle="a"), created_at="2014-04-22T18:00:00Z",
...          text="I hate this, awful and cruel")
>>> BaselineClassifier().predict_one(p).stance
'hostile'
"""

from __future__ import annotations

from collections.abc import Sequence

from backfire.model import Campaign, Post, SentimentLabel, Stance, Verdict
from backfire.understand.cues import SARCASM_TAGS, clean_text, vader_scores


class BaselineClassifier:
    """VADER baseline: compound <= -threshold is hostile, >= threshold support (owner's posts support)."""

    name = "baseline"

    def __init__(self, threshold: float = 0.05) -> None:
        self.threshold = threshold

    def __repr__(self) -> str:
        return f"BaselineClassifier(threshold={self.threshold})"

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        text = clean_text(post.text)
        compound = vader_scores(text)["compound"] if text else 0.0
        label: SentimentLabel = "neutral"
        if abs(compound) >= self.threshold:
            label = "positive" if compound > 0 else "negative"
        stance: Stance = {"negative": "hostile", "positive": "support", "neutral": "neutral"}[label]  # type: ignore[assignment]
        reason = f"VADER compound {compound:+.2f}"
        if campaign is not None and campaign.is_owner(post.author.handle):
            stance, reason = "support", "the campaign owner's own post"
        return Verdict(
            post_id=post.id, stance=stance, p_hostile=round((1 - compound) / 2, 6) if stance != "support" else
            round(min((1 - compound) / 2, 0.5), 6), p_support=round((1 + compound) / 2, 6),
            sarcasm=1.0 if SARCASM_TAGS.search(text) else 0.0, sentiment=compound, sentiment_label=label,
            offensive=0.0, reason=reason, model="baseline-vader",
        )

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        return [self.predict_one(p, campaign) for p in posts]

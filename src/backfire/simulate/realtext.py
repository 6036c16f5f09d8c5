"""Simulated streams with real posts: the simulator's cascades, carrying real labelled texts.

The simulator writes its posts from the project's own templates, which the project's classifier may
read better (or worse) than what people really write. `with_real_texts` keeps a simulated stream's
structure (who posts when, who reposts and answers whom, the ground truth) and gives every original,
answer and quote a real post of the same true stance, drawn from a `TextBank`; reposts carry their
original's new text. A stance is toward someone: when the bank names the organisation its labels are
about (`TextBank.campaign`), the stream becomes that organisation's campaign (its tag, and its handle
on the owner's account), so that a complaint to @Apple is read as hostile to the campaign and not as
negativity aimed at another account. The campaign's tag is added to a text that lacks it, as it would
be on a post that joins the campaign. The owner's own posts keep their text.

`TextBank.shared(root)` reads the labelled posts in `../shared/data` that the shipped classifier never
trained on, as a campaign of @Apple tagged #AAPL: the seeded Apple hold-out (negative toward the
company -> hostile, positive -> support, neutral -> neutral) and the TweetEval sentiment validation
split (positive -> support, neutral -> neutral; its negative posts are not aimed at an organisation and
are left out), without any text that also sits in a training part. `TextBank.from_csv` reads any CSV
with `text` and `stance` columns (toward the campaign it is given, or the simulated one). Images are
dropped (the simulator's alt texts would give the stance away).

>>> bank = TextBank({"hostile": ["@Apple my phone died again"], "support": ["love it"],
...                  "neutral": ["new store opens"]}, Campaign.for_tag("AAPL", owner="Apple"))
>>> from backfire.simulate import generate
>>> sim = generate("mynypd", seed=1, hours=3)
>>> real = with_real_texts(sim, bank, seed=1)
>>> hostile = [p for p in real.posts if real.labels[p.id].stance == "hostile" and p.repost_of is None]
>>> hostile[0].text, real.campaign.owners, real.posts[0].author.handle
('@Apple my phone died again #AAPL', ['Apple'], 'Apple')
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from backfire.model import Campaign, Post
from backfire.simulate import Simulation
from backfire.sources._common import hashtags_in

STANCES = ("hostile", "neutral", "support")
APPLE = Campaign(name="Apple", tags=["AAPL"], owners=["Apple"], intent="Posts about Apple and its products")
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")


@dataclass(frozen=True)
class TextBank:
    """Real posts by true stance (support / neutral / hostile), to put into simulated streams."""

    texts: Mapping[str, Sequence[str]]
    campaign: Campaign | None = None  # whom the stances are toward (None: the simulated campaign)

    def __post_init__(self) -> None:
        missing = [s for s in STANCES if not self.texts.get(s)]
        if missing:
            raise ValueError(f"a text bank needs posts of every stance; none for {', '.join(missing)}")

    def draw(self, stance: str, rng: random.Random) -> str:
        return rng.choice(self.texts[stance])

    def sizes(self) -> dict[str, int]:
        return {s: len(self.texts[s]) for s in STANCES}

    @classmethod
    def from_csv(cls, path: str | Path, campaign: Campaign | None = None) -> TextBank:
        """A CSV with a header and columns `text` and `stance` (support, neutral or hostile, toward
        `campaign`)."""
        texts: dict[str, list[str]] = {s: [] for s in STANCES}
        with Path(path).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                stance, text = (row.get("stance") or "").strip(), (row.get("text") or "").strip()
                if stance in texts and text:
                    texts[stance].append(text)
        return cls(texts, campaign)

    @classmethod
    def shared(cls, root: str | Path, seed: int | None = None) -> TextBank:
        """The posts of `../shared/data` the classifier trained with `seed` (by default the shipped
        weights' seed) never saw (see the module doc)."""
        from backfire.training import data

        seed = data.SEED if seed is None else seed
        root = Path(root)
        texts: dict[str, list[str]] = {s: [] for s in STANCES}
        seen = set(data.brand(root, "train", seed).texts) | set(data.tweeteval(root, "sentiment", "train").texts)
        if data.has_topic_sentiment(root):
            seen |= set(data.topic_sentiment(root, "train").texts)
        apple = data.brand(root, "val", seed)
        for text, label in zip(apple.texts, apple.labels, strict=True):
            if text not in seen:  # a retweet can sit in both parts
                texts[{"negative": "hostile", "positive": "support"}.get(apple.classes[label], "neutral")].append(text)
        sentiment = data.tweeteval(root, "sentiment", "val")
        for text, label in zip(sentiment.texts, sentiment.labels, strict=True):
            name = sentiment.classes[label]
            if name != "negative" and text not in seen:
                texts["support" if name == "positive" else "neutral"].append(text)
        return cls(texts, APPLE)


def with_real_texts(sim: Simulation, bank: TextBank, seed: int = 0) -> Simulation:
    """`sim` with a real post of the same true stance in place of each simulated text (module doc)."""
    rng = random.Random(f"backfire:realtext:{sim.truth.scenario}:{sim.truth.seed}:{seed}")
    campaign = _campaign(sim.campaign, bank.campaign)
    tag = campaign.tags[0] if campaign.tags else None
    texts: dict[str, str] = {}
    posts = []
    for post in sim.posts:
        if sim.campaign.is_owner(post.author.handle):
            texts[post.id] = post.text
            posts.append(_as_owner(post, campaign))
            continue
        if post.repost_of is not None and post.repost_of in texts:
            text = texts[post.repost_of]
        else:
            text = _campaign_text(post, bank.draw(sim.labels[post.id].stance, rng), tag)
        texts[post.id] = text
        posts.append(_retext(post, text))
    truth = sim.truth.model_copy(update={"campaign": campaign})
    return Simulation(posts=posts, truth=truth, labels=sim.labels)


def _campaign(simulated: Campaign, about: Campaign | None) -> Campaign:
    """The campaign the stream's stances are toward, launched when the simulated one was."""
    if about is None:
        return simulated
    return about.model_copy(update={"launched_at": simulated.launched_at})


def _as_owner(post: Post, campaign: Campaign) -> Post:
    """An owner's post, by the owner of `campaign` (its text is the simulated owner's)."""
    if campaign.is_owner(post.author.handle) or not campaign.owners:
        return post
    handle = campaign.owners[0]
    return post.model_copy(update={"author": post.author.model_copy(update={"handle": handle, "id": handle,
                                                                             "name": handle})})


def _campaign_text(post: Post, text: str, tag: str | None) -> str:
    """A real text as a post of this campaign: the answer's leading @mentions kept, the tag added."""
    lead = _LEADING_MENTIONS.match(post.text)
    if lead and post.reply_to is not None:
        text = lead.group(0) + text
    if tag and tag.casefold() not in {t.casefold() for t in hashtags_in(text)}:
        text = f"{text} #{tag}"
    return text


def _retext(post: Post, text: str) -> Post:
    return post.model_copy(update={"text": text, "hashtags": hashtags_in(text), "media": []})

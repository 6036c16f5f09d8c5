"""Stream classification: each distinct text once, reposts inherit, the owner's posts are support.

`classify_posts` keeps input order, batches distinct texts for the classifier, caches verdicts by
normalised text in a bounded LRU, and gives a repost its original's verdict (`inherited_from` set)
when the original was seen in the stream or is embedded in the repost's record.

An answer is read with the post it answers, when the stream showed it (`in_thread`): praise under a
hostile post or under one that shows force ("great job!" under an arrest) is not support; it is
hostile when it reads as sarcastic, and neutral otherwise. The text cache stays per text: the thread
only adjusts each answer's own verdict.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from backfire.model import NOTHING_TO_JUDGE, Campaign, Post, Verdict, normalise_text
from backfire.understand.base import Classifier
from backfire.understand.cues import shows_force
from backfire.understand.stance import owner_names

V = TypeVar("V")
OWNER = "\x00owner"
EMPTY = "\x00empty"


def post_text(post: Post) -> str:
    """The text a post is judged on: its text plus the alt text of its media."""
    alts = [m.alt for m in post.media if m.alt]
    return " ".join([post.text, *alts]).strip() if alts else post.text


class LRU(Generic[V]):
    """A small bounded least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[str, V] = OrderedDict()

    def get(self, key: str) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: str, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)


class TextCache:
    """Verdicts by normalised text, and which text each post id's verdict came from.

    Pass one to successive `classify_posts` calls (as a live pipeline does batch after batch) so that
    texts seen earlier are not classified again and reposts find originals from earlier batches.
    """

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self.verdicts: LRU[Verdict] = LRU(size)
        self.keys: LRU[str] = LRU(4 * size)

    def __repr__(self) -> str:
        return f"TextCache(size={self.size})"


@dataclass
class _State:
    campaign: Campaign | None
    classifier: Classifier
    verdicts: LRU[Verdict]
    keys: LRU[str]                                     # post id -> key of the text its verdict comes from
    owners: set[str] = field(default_factory=set)      # how the text names the campaign's owners
    todo: dict[str, Post] = field(default_factory=dict)
    items: list[tuple[Post, str, str | None]] = field(default_factory=list)  # (post, key, inherited_from)


def _text_key(post: Post, state: _State) -> str:
    if state.campaign is not None and state.campaign.is_owner(post.author.handle):
        return OWNER
    text = normalise_text(post_text(post), state.owners)
    return text if text else EMPTY


def _queue(post: Post, state: _State) -> str:
    """The key of `post`'s own text, queued for the classifier unless already known."""
    key = _text_key(post, state)
    if key not in (OWNER, EMPTY) and key not in state.todo and state.verdicts.get(key) is None:
        state.todo[key] = post
    return key


def _plan(post: Post, state: _State) -> tuple[str, str | None]:
    """(key of the text whose verdict `post` gets, id of the original it inherits from or None)."""
    if post.repost_of is None:
        return _queue(post, state), None
    known = state.keys.get(post.repost_of)
    if known is not None:
        return known, post.repost_of
    original = next((e for e in post.embedded if e.id == post.repost_of), None)
    if original is not None:
        key = _queue(original, state)
        state.keys.put(original.id, key)
        return key, post.repost_of
    key = _queue(post, state)
    return key, None


def classify_posts(
    posts: Iterable[Post],
    campaign: Campaign | None,
    classifier: Classifier,
    batch_size: int = 256,
    cache: TextCache | None = None,
) -> Iterator[tuple[Post, Verdict]]:
    """Yield (post, verdict) for every post, in input order, classifying each distinct text once.

    `cache` carries verdicts over from earlier calls; without one, a fresh cache serves this stream.
    """
    cache = cache if cache is not None else TextCache()
    state = _State(campaign, classifier, cache.verdicts, cache.keys, owner_names(campaign) if campaign else set())
    for post in posts:
        key, inherited = _plan(post, state)
        state.keys.put(post.id, key)
        state.items.append((post, key, inherited))
        if len(state.todo) >= batch_size or len(state.items) >= 8 * batch_size:
            yield from _flush(state)
    yield from _flush(state)


def _flush(state: _State) -> Iterator[tuple[Post, Verdict]]:
    if state.todo:
        keys = list(state.todo)
        verdicts = state.classifier.predict_many([state.todo[k] for k in keys], state.campaign)
        for key, verdict in zip(keys, verdicts, strict=True):
            state.verdicts.put(key, verdict)
    todo, state.todo = state.todo, {}
    items, state.items = state.items, []
    for post, key, inherited in items:
        yield post, _resolve(post, key, inherited, state, todo)


def _resolve(post: Post, key: str, inherited: str | None, state: _State, todo: dict[str, Post]) -> Verdict:
    name = getattr(state.classifier, "name", "")
    if key == OWNER:
        verdict = Verdict(post_id=post.id, stance="support", p_hostile=0.01, p_support=0.99,
                          reason="the campaign owner's own post", model=name)
    elif key == EMPTY:
        verdict = Verdict(post_id=post.id, stance="neutral", p_hostile=0.5, p_support=0.0,
                          reason=NOTHING_TO_JUDGE, model=name)
    else:
        cached = state.verdicts.get(key)
        if cached is None:  # evicted since it was classified: classify again, alone
            cached = state.classifier.predict_one(todo.get(key, post), state.campaign)
            state.verdicts.put(key, cached)
        verdict = cached
    verdict = verdict.model_copy(update={"post_id": post.id, "inherited_from": inherited})
    parent = post.reply_to or post.quote_of
    if parent is not None and inherited is None and verdict.stance == "support":
        parent_key = state.keys.get(parent)
        if parent_key is not None:
            return in_thread(verdict, parent_key, state.verdicts.get(parent_key))
    return verdict


def in_thread(verdict: Verdict, parent_text: str, parent: Verdict | None) -> Verdict:
    """A supportive answer's verdict read under the post it answers (see the module doc).

    >>> v = Verdict(post_id="2", stance="support", p_hostile=0.05, p_support=0.9, sarcasm=0.2)
    >>> in_thread(v, "officers dragging a man off the train", None).stance
    'neutral'
    >>> in_thread(v.model_copy(update={"sarcasm": 0.8}), "officers dragging a man off the train", None).stance
    'hostile'
    >>> in_thread(v, "officers handing out water at the marathon", None).stance
    'support'
    """
    if parent_text in (OWNER, EMPTY):
        return verdict
    hostile_parent = parent is not None and parent.stance == "hostile"
    if not (hostile_parent or shows_force(parent_text)):
        return verdict
    why = "answers a hostile post" if hostile_parent else "answers a post that shows force"
    if verdict.sarcasm >= 0.5:
        p = max(verdict.p_hostile, verdict.sarcasm)
        return verdict.model_copy(update={"stance": "hostile", "p_hostile": round(p, 6), "p_support": round(
            min(verdict.p_support, 1 - p), 6), "reason": f"{verdict.reason}; sarcastic praise that {why}"})
    return verdict.model_copy(update={"stance": "neutral", "reason": f"{verdict.reason}; praise that {why}: "
                                                                      "not counted as support"})

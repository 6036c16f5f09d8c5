"""Lighter rows for explaining a large campaign: the same `Post` and `Verdict` objects, sharing what repeats.

Explaining a campaign holds every post of its window with its verdict at once (the detector's replay,
the graphs and the narratives all read them). Read back from the store, each pydantic model carries its
own set of the field names it was given (about 0.7 KB), its own copy of every repeated string (the
platform, the model, the stance, the tags, a repost's text, the author's handle) and its own author object, although an
account posts many times. `Rows` shares them: models whose field-name sets are equal share one set,
equal strings one string, equal authors one `Author`. Nothing a reader can see changes (values, types,
`model_fields_set`); a 100,000-post campaign takes about half the memory. The shared parts must not be
changed in place; the explanation layer only reads its rows.

>>> from datetime import datetime, UTC
>>> from backfire.model import Author, Post, Verdict
>>> rows = Rows()
>>> a = rows.post(Post(id="1", platform="x", author=Author(handle="ann"), created_at=datetime(2014, 4, 22, tzinfo=UTC)))
>>> b = rows.post(Post(id="2", platform="x", author=Author(handle="ann"), created_at=datetime(2014, 4, 22, tzinfo=UTC)))
>>> a.author is b.author and a.platform is b.platform and a.model_fields_set is b.model_fields_set
True
>>> v = rows.verdict(Verdict(post_id="1", stance="hostile", p_hostile=0.9))
>>> v.model_fields_set == {"post_id", "stance", "p_hostile"}
True
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from backfire.model import Author, Post, Verdict

M = TypeVar("M", bound=BaseModel)

_POST_STRINGS = ("platform", "text", "lang", "reply_to", "quote_of", "repost_of")
_VERDICT_STRINGS = ("stance", "sentiment_label", "reason", "model", "inherited_from")


class Rows:
    """Shares field-name sets, strings and authors across the models it is given (see the module doc)."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._fields: dict[frozenset[str], set[str]] = {}
        self._authors: dict[str, Author] = {}

    def post(self, post: Post) -> Post:
        """`post`, its repeated parts shared (in place); embedded originals too."""
        values = post.__dict__
        for name in _POST_STRINGS:
            values[name] = self.string(values[name])
        for name in ("hashtags", "mentions"):
            values[name] = [self._string(s) for s in values[name]]
        values["author"] = self.author(post.author)
        values["media"] = [self._shared_fields(m) for m in post.media]
        values["embedded"] = [self.post(e) for e in post.embedded]
        return self._shared_fields(post)

    def verdict(self, verdict: Verdict) -> Verdict:
        """`verdict`, its repeated parts shared (in place)."""
        values = verdict.__dict__
        for name in _VERDICT_STRINGS:
            values[name] = self.string(values[name])
        return self._shared_fields(verdict)

    def author(self, author: Author) -> Author:
        """One `Author` per distinct account as read (same handle, id, name, followers...)."""
        key = author.model_dump_json()
        shared = self._authors.get(key)
        if shared is None:
            values = author.__dict__
            for name, value in values.items():
                if isinstance(value, str):
                    values[name] = self._string(value)
            shared = self._authors[key] = self._shared_fields(author)
        return shared

    def string(self, value: Any) -> Any:
        return self._string(value) if isinstance(value, str) else value

    def _string(self, value: str) -> str:
        return self._strings.setdefault(value, value)

    def _shared_fields(self, model: M) -> M:
        fields = model.model_fields_set
        shared = self._fields.setdefault(frozenset(fields), fields)
        if shared is not fields:
            object.__setattr__(model, "__pydantic_fields_set__", shared)
        return model

"""The shared vocabulary of backfire: posts, campaigns, verdicts and alarms.

This module depends on nothing else of ours; every other part of backfire speaks these types.

>>> p = Post(id="1", platform="csv", author=Author(handle="alice"), text="Proud of our officers #myNYPD",
...          created_at="2014-04-22T18:00:00Z")
>>> p.created_at.isoformat()
'2014-04-22T18:00:00+00:00'
>>> p.key
'csv:1'
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation, field_validator

Stance = Literal["support", "neutral", "hostile"]
SentimentLabel = Literal["negative", "neutral", "positive"]
Severity = Literal["watch", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("watch", "warning", "critical")


def as_utc(value: datetime) -> datetime:
    """Return `value` as an aware UTC datetime (naive values are taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class RawRecord(dict[str, Any]):
    """A raw record as parsed, with `text`, the JSON it was parsed from exactly as read (a JSON Lines line,
    a JSON array element), so that the store keeps that text instead of serialising the dict again.

    Changing the record's top-level keys forgets the text (`text` becomes None); nested values must not
    be changed in place (a changed record is a new dict).

    >>> r = RawRecord({"id": 1}, '{"id": 1}')
    >>> r.text, r == {"id": 1}
    ('{"id": 1}', True)
    >>> r["id"] = 2
    >>> r.text is None
    True
    """

    __slots__ = ("text",)
    text: str | None

    def __init__(self, value: dict[str, Any], text: str | None = None) -> None:
        super().__init__(value)
        self.text = text

    def __setitem__(self, key: str, value: Any) -> None:
        self.text = None
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.text = None
        super().__delitem__(key)

    def __ior__(self, other: Any) -> RawRecord:  # type: ignore[override,misc]
        self.text = None
        return super().__ior__(other)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.text = None
        super().update(*args, **kwargs)

    def pop(self, *args: Any) -> Any:
        self.text = None
        return super().pop(*args)

    def popitem(self) -> tuple[str, Any]:
        self.text = None
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.text = None
        return super().setdefault(key, default)

    def clear(self) -> None:
        self.text = None
        super().clear()


class Author(BaseModel):
    """The account that wrote a post. `handle` is the screen name / acct without a leading '@';
    `created_at` when the account was made, where the record says (Twitter, Mastodon)."""

    model_config = ConfigDict(frozen=True)

    handle: str
    id: str | None = None
    name: str | None = None
    followers: int | None = Field(default=None, ge=0)
    created_at: datetime | None = None

    @field_validator("handle")
    @classmethod
    def _strip_at(cls, v: str) -> str:
        return v.lstrip("@")

    @field_validator("created_at")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        return None if v is None else as_utc(v)


class Media(BaseModel):
    """An attached image or video: where it lives and the alt text its author gave it, if any."""

    model_config = ConfigDict(frozen=True)

    url: str
    type: str = "image"
    alt: str | None = None


class Post(BaseModel):
    """One post on any platform, mapped from its raw record by a source's `to_post`.

    `id` is the platform's own identifier (a Bluesky post's id is its at:// URI). `repost_of`,
    `quote_of` and `reply_to` hold ids on the same platform. A repost's `text` is the text of what it
    reposts, when the record carries it. Originals embedded in a record (a retweet's `retweeted_status`,
    a quote's quoted tweet, a Mastodon reblog) are mapped too and kept in `embedded`; `raw` is the
    record exactly as it came.

    `edited_at` is set on a later version of an edited post (same `id`; the store keeps the latest and
    the history). `aliases` are other ids records of the same platform use for this post (a Mastodon
    status's instance-local id, the other versions of an edited tweet): the store resolves a reference
    to an alias to `id`. `truncated` marks a text the record cut short with no full text to read;
    `undated` a post whose record gave no time (`created_at` then only keeps the file order).

    `raw` is kept as given, not validated or copied (a `RawRecord` keeps the text it was read from).
    """

    id: str
    platform: str
    author: Author
    created_at: datetime
    text: str = ""
    hashtags: list[str] = Field(default_factory=list)
    mentions: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    media: list[Media] = Field(default_factory=list)
    reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    lang: str | None = None
    edited_at: datetime | None = None
    aliases: list[str] = Field(default_factory=list)
    truncated: bool = False
    undated: bool = False
    raw: SkipValidation[dict[str, Any] | None] = Field(default=None, repr=False)
    embedded: list[Post] = Field(default_factory=list, repr=False)

    @field_validator("created_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return as_utc(v)

    @field_validator("edited_at")
    @classmethod
    def _utc_edit(cls, v: datetime | None) -> datetime | None:
        return None if v is None else as_utc(v)

    @field_validator("id")
    @classmethod
    def _nonempty_id(cls, v: str) -> str:
        if not v:
            raise ValueError("post id is empty")
        return v

    @property
    def key(self) -> str:
        """A key unique across platforms: `platform:id`."""
        return f"{self.platform}:{self.id}"

    @property
    def is_repost(self) -> bool:
        return self.repost_of is not None

    def has_tag(self, tag: str) -> bool:
        """True when the post carries `tag` (case-insensitive, with or without '#')."""
        wanted = normalise_tag(tag)
        return any(normalise_tag(t) == wanted for t in self.hashtags)


def normalise_tag(tag: str) -> str:
    """`#MyNYPD` -> `mynypd`."""
    return tag.lstrip("#").casefold()


class Campaign(BaseModel):
    """What the organiser launched: its tag(s), the owner account(s), when, and what it is for."""

    name: str
    tags: list[str] = Field(default_factory=list)
    owners: list[str] = Field(default_factory=list)
    launched_at: datetime | None = None
    intent: str = ""

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        return [t.lstrip("#") for t in v]

    @field_validator("owners")
    @classmethod
    def _owners(cls, v: list[str]) -> list[str]:
        return [o.lstrip("@") for o in v]

    @field_validator("launched_at")
    @classmethod
    def _launched(cls, v: datetime | None) -> datetime | None:
        return None if v is None else as_utc(v)

    def is_owner(self, handle: str) -> bool:
        h = handle.lstrip("@").casefold()
        return any(o.casefold() == h for o in self.owners)

    @classmethod
    def for_tag(cls, tag: str | None, owner: str | None = None, intent: str = "") -> Campaign:
        """A campaign named after its tag, as `classify --tag/--owner` and `detect` build it."""
        tags = [tag.lstrip("#")] if tag else []
        name = tags[0] if tags else "default"
        return cls(name=name, tags=tags, owners=[owner] if owner else [], intent=intent)


NOTHING_TO_JUDGE = "no text to judge"


class Verdict(BaseModel):
    """What a classifier concluded about one post.

    `p_hostile` is the calibrated probability that the post is hostile toward the campaign or its owner;
    `sarcasm` >= 0.5 means sarcastic or ironic; `sentiment` runs from -1 (negative) to 1 (positive).
    """

    post_id: str
    stance: Stance
    p_hostile: float = Field(ge=0.0, le=1.0)
    p_support: float = Field(default=0.0, ge=0.0, le=1.0)
    sarcasm: float = Field(default=0.0, ge=0.0, le=1.0)
    sentiment: float = Field(default=0.0, ge=-1.0, le=1.0)
    sentiment_label: SentimentLabel = "neutral"
    offensive: float = Field(default=0.0, ge=0.0, le=1.0)
    reason: str = ""
    model: str = ""
    inherited_from: str | None = None

    @property
    def judged(self) -> bool:
        """False for the placeholder a post with nothing to read gets (`NOTHING_TO_JUDGE`: a repost record
        without text whose original is not in the stream): it says nothing about the campaign's mood."""
        return self.reason != NOTHING_TO_JUDGE

    def contract_fields(self) -> dict[str, Any]:
        """The fields every `classify` output line carries (see PRODUCT.md)."""
        return {
            "id": self.post_id,
            "stance": self.stance,
            "p_hostile": round(self.p_hostile, 4),
            "sarcasm": round(self.sarcasm, 4),
            "sentiment": round(self.sentiment, 4),
            "sentiment_label": self.sentiment_label,
            "offensive": round(self.offensive, 4),
            "reason": self.reason,
        }


class Alarm(BaseModel):
    """A hijack alarm: when it fired, how bad, the shift behind it, and who started it."""

    at: datetime
    severity: Severity
    hostile_share: float = Field(ge=0.0, le=1.0)
    share_before: float = Field(default=0.0, ge=0.0, le=1.0)
    campaign: str | None = None
    statistic: float = 0.0
    triggers: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    example_ids: list[str] = Field(default_factory=list)
    post_id: str | None = None
    detector: str = ""
    message: str = ""

    @field_validator("at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return as_utc(v)

    def contract_fields(self) -> dict[str, Any]:
        """The fields `detect --json` promises (see PRODUCT.md), plus the rest of the evidence."""
        data = self.model_dump(mode="json")
        data["at"] = self.at.isoformat().replace("+00:00", "Z")
        return data


class Quarantined(BaseModel):
    """An input record that could not become a post: where it was, why, and (the start of) what it was.

    `part` numbers the posts of one multi-post record (a response page: 1, 2, ...; 0 for a whole line)
    and `record_id` is the bad post's own id when it has one."""

    path: str
    line: int
    reason: str
    snippet: str = ""
    format: str | None = None
    part: int = 0
    record_id: str | None = None


class Deletion(BaseModel):
    """A record saying a post was deleted (a delete notice, a Jetstream delete commit, a Mastodon
    `delete` event). `id` is the post's id on `platform`, or one of its aliases (a Mastodon local id)."""

    platform: str
    id: str
    at: datetime | None = None
    path: str = ""
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"


class Skipped(BaseModel):
    """A post left out on purpose (not stored): why, and where it was. Used for privacy: a Mastodon status
    that is not public or unlisted, or whose account opted out of collection."""

    path: str
    line: int
    reason: str


_WS = re.compile(r"\s+")


def normalise_text(text: str, owners: Collection[str] = ()) -> str:
    """The key under which identical texts share one classification: lower case, no URLs, no 'RT @x:'
    prefix, mentions folded to @user (those of `owners`, lower-case names, to @owner: a stance toward
    the campaign reads them differently), whitespace collapsed.

    >>> normalise_text("RT @x: @Apple fix it, @bob http://t.co/1", owners={"apple"})
    '@owner fix it, @user'
    """
    t = re.sub(r"^rt @\w+:\s*", "", text.strip(), flags=re.IGNORECASE)
    t = re.sub(r"https?://\S+", "", t)
    t = re.sub(r"@\w+", lambda m: "@owner" if m.group(0)[1:].casefold() in owners else "@user", t)
    return _WS.sub(" ", t).strip().casefold()


Post.model_rebuild()

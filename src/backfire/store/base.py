"""The store interface: the one place posts, verdicts, alarms, cursors and labels are kept.

SQLite (`store.sqlite.SQLiteStore`) implements it for the embedded default; a PostgreSQL store will
implement the same methods for scale-out. Only `store/` speaks SQL.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backfire.model import Alarm, Campaign, Deletion, Post, Quarantined, Verdict


@dataclass(frozen=True)
class AddResult:
    """What one `add_posts` call did: how many posts were new to the campaign, how many it already had,
    and how many posts were seen in another version than the one stored (edits)."""

    added: int
    duplicates: int
    edited: int = 0


@dataclass(frozen=True)
class Gap:
    """A stretch of a live stream that could not be recovered."""

    source: str
    start: datetime
    end: datetime | None
    reason: str


@dataclass(frozen=True)
class Label:
    """A reviewer's correction of a post's stance."""

    campaign: str
    post_key: str
    stance: str
    reviewer: str
    reason: str
    at: datetime


class Store(ABC):
    """Where a campaign's posts and everything derived from them live."""

    # -- campaigns -------------------------------------------------------------------------------
    @abstractmethod
    def save_campaign(self, campaign: Campaign) -> None: ...

    @abstractmethod
    def campaign(self, name: str) -> Campaign | None: ...

    @abstractmethod
    def campaigns(self) -> list[Campaign]: ...

    # -- posts -----------------------------------------------------------------------------------
    @abstractmethod
    def add_posts(
        self,
        posts: Iterable[Post],
        campaign: str,
        cursor: tuple[str, str] | None = None,
    ) -> AddResult:
        """Store `posts` (and the originals embedded in them) for `campaign` in one transaction.

        Idempotent: a post already stored (same platform and id) is not stored again, only linked to
        `campaign` (a post may belong to several campaigns). A later version of a stored post (a larger
        `edited_at`) replaces it, and every version is kept (`versions`). References to a post's
        `aliases` are resolved to its id. When `cursor` is given as (name, value), it is saved in the
        same transaction, so posts and the cursor that says how far a stream got can never disagree.
        """

    @abstractmethod
    def mark_deleted(self, deletions: Iterable[Deletion], cursor: tuple[str, str] | None = None) -> int:
        """Mark the posts `deletions` name (by id or alias) as deleted, now or when they are stored later.
        Returns the number of stored posts newly marked."""

    @abstractmethod
    def versions(self, key: str) -> list[Post]:
        """Every version seen of an edited post, oldest first (empty for a post never edited)."""

    @abstractmethod
    def is_deleted(self, key: str) -> bool: ...

    @abstractmethod
    def count_deleted(self, campaign: str) -> int:
        """The campaign's posts (seen directly) that were deleted."""

    @abstractmethod
    def posts(self, campaign: str, since: datetime | None = None, direct_only: bool = False,
              include_deleted: bool = False) -> Iterator[Post]:
        """The campaign's posts in time order (ties by insertion order), streamed. `direct_only` leaves out
        originals that were only seen embedded in another record (e.g. the retweeted tweet); deleted
        posts are left out unless `include_deleted`."""

    @abstractmethod
    def count_posts(self, campaign: str | None = None, direct_only: bool = False,
                    include_deleted: bool = False) -> int: ...

    @abstractmethod
    def get_post(self, key: str) -> Post | None:
        """A post by its `platform:id` key."""

    # -- quarantine ------------------------------------------------------------------------------
    @abstractmethod
    def add_quarantined(self, items: Iterable[Quarantined], campaign: str | None = None) -> int: ...

    @abstractmethod
    def quarantined(self, campaign: str | None = None) -> Iterator[Quarantined]: ...

    # -- verdicts and alarms ---------------------------------------------------------------------
    @abstractmethod
    def save_verdicts(self, campaign: str, pairs: Iterable[tuple[str, Verdict]]) -> None:
        """Save verdicts keyed by post key (`platform:id`), replacing earlier ones."""

    @abstractmethod
    def verdicts(self, campaign: str) -> dict[str, Verdict]: ...

    @abstractmethod
    def count_verdicts(self, campaign: str) -> int: ...

    @abstractmethod
    def save_alarm(self, campaign: str, alarm: Alarm) -> None: ...

    @abstractmethod
    def alarms(self, campaign: str) -> list[Alarm]: ...

    # -- live streams ----------------------------------------------------------------------------
    @abstractmethod
    def get_cursor(self, name: str) -> str | None: ...

    @abstractmethod
    def set_cursor(self, name: str, value: str) -> None: ...

    @abstractmethod
    def add_gap(self, gap: Gap) -> None: ...

    @abstractmethod
    def gaps(self, source: str | None = None) -> list[Gap]: ...

    # -- reviewer labels -------------------------------------------------------------------------
    @abstractmethod
    def add_label(self, label: Label) -> None: ...

    @abstractmethod
    def labels(self, campaign: str) -> list[Label]: ...

    # -- lifecycle -------------------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

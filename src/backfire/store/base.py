"""The store interface: the one place posts, verdicts, alarms, cursors and labels are kept.

SQLite (`store.sqlite.SQLiteStore`) implements it for the embedded default, PostgreSQL
(`store.pg.PostgresStore`) for scale-out; tests/test_store_conformance*.py hold both to the same behaviour.
Only `store/` speaks SQL.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backfire.model import Alarm, Campaign, Deletion, Post, Quarantined, Verdict


class StoreUnavailable(RuntimeError):
    """The store could not be opened (a PostgreSQL server that cannot be reached, refused the login, ...);
    the message names the store without its password and says why."""


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


@dataclass(frozen=True)
class CurationItem:
    """A post in a campaign's curation queue: its state (pending, held, approved, rejected, excluded), why,
    how risky it is to feature (lower is safer), and who last changed it, when."""

    campaign: str
    key: str
    state: str
    reason: str
    risk: float
    created_at: datetime
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class AuditEntry:
    """One line of the curation audit log: who did what to which post, when, and why."""

    campaign: str
    key: str
    actor: str
    action: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class User:
    """A dashboard account: its role (viewer, reviewer, admin) and argon2 password hash."""

    name: str
    role: str
    hash: str
    created_at: datetime


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
              include_deleted: bool = False, with_raw: bool = True) -> Iterator[Post]:
        """The campaign's posts in time order (ties by insertion order), streamed. `direct_only` leaves out
        originals that were only seen embedded in another record (e.g. the retweeted tweet); deleted
        posts are left out unless `include_deleted`. Without `with_raw` the posts come without their raw
        records (`raw` None), which most readers never look at: reading them costs more than the rest
        of the post."""

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

    # -- curation and accounts (store/_curation.py), dashboard aggregates (store/_aggregate.py) ----
    @abstractmethod
    def set_curation(self, items: Iterable[CurationItem], action: str) -> int: ...

    @abstractmethod
    def curation_item(self, campaign: str, key: str) -> CurationItem | None: ...

    @abstractmethod
    def curation_items(self, campaign: str, states: Iterable[str] | None = None, limit: int | None = None,
                       offset: int = 0) -> list[CurationItem]: ...

    @abstractmethod
    def curation_counts(self, campaign: str) -> dict[str, int]: ...

    @abstractmethod
    def curation_log(self, campaign: str, key: str | None = None, limit: int = 200) -> list[AuditEntry]: ...

    @abstractmethod
    def log_curation(self, entry: AuditEntry) -> None: ...

    @abstractmethod
    def set_drivers(self, campaign: str, drivers: Iterable[tuple[str, str, dict[str, Any]]]) -> None: ...

    @abstractmethod
    def drivers(self, campaign: str) -> list[tuple[str, str, dict[str, Any]]]: ...

    @abstractmethod
    def save_explanation(self, campaign: str, at: datetime, posts: int, data: dict[str, Any]) -> None: ...

    @abstractmethod
    def explanation(self, campaign: str) -> tuple[datetime, int, dict[str, Any]] | None:
        """The stored explanation of `campaign`: when it was computed, how many posts it read, the data."""

    @abstractmethod
    def save_user(self, user: User) -> None: ...

    @abstractmethod
    def user(self, name: str) -> User | None: ...

    @abstractmethod
    def users(self) -> list[User]: ...

    @abstractmethod
    def remove_user(self, name: str) -> bool: ...

    @abstractmethod
    def save_session(self, token: str, user: str, csrf: str, expires_at: datetime) -> None: ...

    @abstractmethod
    def session(self, token: str, now: datetime) -> tuple[str, str] | None: ...

    @abstractmethod
    def end_sessions(self, token: str | None = None, user: str | None = None) -> None: ...

    @abstractmethod
    def data_version(self) -> int: ...

    @abstractmethod
    def own_changes(self) -> int: ...

    @abstractmethod
    def stance_counts(self, campaign: str) -> dict[str, int]: ...

    @abstractmethod
    def time_span(self, campaign: str) -> tuple[datetime | None, datetime | None]: ...

    @abstractmethod
    def live_count(self, campaign: str) -> int: ...

    @abstractmethod
    def time_at_rank(self, campaign: str, rank: int, descending: bool = False) -> str | None: ...

    @abstractmethod
    def stance_bins(self, campaign: str, t0: int, bin_seconds: int, start: str,
                    end: str) -> list[tuple[int, str, int, int]]: ...

    @abstractmethod
    def posts_outside(self, campaign: str, start: str, end: str,
                      limit: int = 20) -> tuple[int, int, list[Any], list[tuple[str, int, int]]]: ...

    @abstractmethod
    def index_search(self) -> int: ...

    @abstractmethod
    def search_posts(self, campaign: str, query: str = "", stance: str | None = None, author: str | None = None,
                     since: str | None = None, until: str | None = None, limit: int = 50,
                     offset: int = 0) -> tuple[int, list[tuple[Post, Verdict | None]]]: ...

    @abstractmethod
    def posts_by_key(self, campaign: str, keys: list[str]) -> dict[str, tuple[Post, Verdict | None, bool]]: ...

    # -- lifecycle -------------------------------------------------------------------------------
    def where(self) -> str:
        """Where the store is, as it may be printed: a file's path, or a URL with its password redacted."""
        return repr(self)

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

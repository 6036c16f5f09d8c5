"""Archive ingest: files in any supported format into the store, streaming, idempotent and resumable.

Each file is read as a stream of posts and quarantined records (`sources.read_posts`), committed in
batches; each batch is committed together with a per-file cursor (how many records of that exact file,
by path, size and modification time, are in the campaign), so a run that is stopped resumes where its
last batch ended. Running the same files again stores nothing twice; the same file ingested into another
campaign links its posts (stored once) to that campaign too.

Edits replace the stored version (the history is kept), deletions mark posts deleted, Mastodon statuses
that are not public or unlisted and those of accounts that opted out are skipped (`private=True` keeps
them), and texts cut short with no full text, and files without times, are counted: `IngestReport`.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from backfire.model import Campaign, Deletion, Post, Quarantined, Skipped
from backfire.sources import SourceError, read_posts
from backfire.store import Store

Progress = Callable[[int], None]
Record = Post | Quarantined | Deletion | Skipped
# Reads one file's records in file order (`sources.read_posts` by default; the Ray engine reads them on
# its workers: `scale/ray_ingest.py`). Called as reader(path, fmt, private=...).
Reader = Callable[..., Iterator[Record]]


@dataclass
class IngestReport:
    """What an ingest run did, per run (all files together)."""

    files: int = 0
    read: int = 0
    added: int = 0
    duplicates: int = 0
    quarantined: int = 0
    resumed: int = 0
    edited: int = 0  # posts seen in another version than the one stored (the latest is kept)
    deletions: int = 0  # delete records read
    deleted: int = 0  # stored posts they marked deleted
    truncated: int = 0  # posts whose text the record cut short, with no full text to read
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> posts left out (privacy)
    undated_files: list[str] = field(default_factory=list)  # files whose posts carry no time
    empty_files: list[str] = field(default_factory=list)  # files without a single record
    problems: list[Quarantined] = field(default_factory=list)

    def summary(self) -> str:
        """`Ingested 99,998 posts, 2 quarantined (see backfire quarantine)`, then what else happened."""
        parts = [f"Ingested {self.added:,} posts"]
        if self.duplicates:
            parts.append(f"{self.duplicates:,} already stored")
        if self.edited:
            parts.append(f"{self.edited:,} edited (latest version kept, history stored)")
        if self.deletions:
            parts.append(f"{self.deletions:,} deletions read ({self.deleted:,} stored posts marked deleted)")
        if self.resumed:
            parts.append(f"{self.resumed:,} records skipped as done by an earlier run")
        if self.skipped:
            reasons = "; ".join(f"{n:,} {why}" for why, n in self.skipped.most_common())
            parts.append(f"{sum(self.skipped.values()):,} left out ({reasons})")
        if self.truncated:
            parts.append(f"{self.truncated:,} with a truncated text (flagged)")
        if not self.files:
            parts.append("no file was given to read")
        text = ", ".join(parts)
        if self.quarantined:
            text += f", {self.quarantined:,} quarantined (see backfire quarantine)"
        for path in self.empty_files:
            text += f". Warning: {path} is empty: nothing was read from it"
        for path in self.undated_files:
            text += (f". {path} has no times: its posts are kept in file order (dated from 1970-01-01 by row);"
                     " `detect` needs times")
        return text


def file_cursor_name(path: Path, campaign: str) -> str:
    """The cursor key of one exact version of a file read into one campaign: a changed file is read again
    from the start, and so is the same file read into another campaign."""
    st = path.stat()
    return f"ingest:{campaign}:{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"


def ingest(
    store: Store,
    paths: Iterable[str | Path],
    campaign: Campaign | str,
    fmt: str | None = None,
    batch_size: int = 5000,
    progress: Progress | None = None,
    private: bool = False,
    reader: Reader | None = None,
) -> IngestReport:
    """Ingest `paths` into `store` under `campaign`; return what happened.

    `progress`, when given, is called with the number of records read so far after every batch. Posts a
    format excludes for privacy (Mastodon statuses that are not public or unlisted, accounts that opted
    out) are skipped and counted unless `private`.
    """
    name = _ensure_campaign(store, campaign)
    report = IngestReport()
    for path in map(Path, paths):
        report.files += 1
        try:
            _ingest_file(store, path, name, fmt, batch_size, report, progress, private, reader or read_posts)
        except SourceError as exc:  # the whole file is unreadable: say so, go on with the next
            bad = Quarantined(path=str(path), line=0, reason=str(exc), format=fmt)
            store.add_quarantined([bad], name)
            report.quarantined += 1
            report.problems.append(bad)
    return report


def _ensure_campaign(store: Store, campaign: Campaign | str) -> str:
    if isinstance(campaign, Campaign):
        store.save_campaign(campaign)
        return campaign.name
    if store.campaign(campaign) is None:
        store.save_campaign(Campaign(name=campaign))
    return campaign


def _ingest_file(
    store: Store,
    path: Path,
    campaign: str,
    fmt: str | None,
    batch_size: int,
    report: IngestReport,
    progress: Progress | None,
    private: bool = False,
    reader: Reader = read_posts,
) -> None:
    cursor = file_cursor_name(path, campaign)
    done = int(store.get_cursor(cursor) or 0)
    records: Iterator[Record] = reader(path, fmt, private=private)
    if done:
        skipped = sum(1 for _ in islice(records, done))
        report.resumed += skipped
        report.read += skipped
    consumed, posts_read, undated = done, 0, 0
    while True:
        with gc_paused():
            batch = list(islice(records, batch_size))
            if not batch:
                break
            posts_read, undated = _store_batch(store, batch, campaign, (cursor, str(consumed + len(batch))),
                                               report, posts_read, undated)
        consumed += len(batch)
        if progress is not None:
            progress(report.read)
    if consumed == 0:
        report.empty_files.append(str(path))
    if posts_read and undated == posts_read:
        report.undated_files.append(str(path))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while one batch is read and stored. A batch's records, posts and
    rows live until it is written, so the collector would scan them (and everything older) again and
    again, finding nothing: reference counting frees them. Cycles made meanwhile are collected later."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _store_batch(store: Store, batch: list[Record], campaign: str, cursor: tuple[str, str],
                 report: IngestReport, posts_read: int, undated: int) -> tuple[int, int]:
    """Store one batch with the file's cursor, count what happened in `report`; return the running
    counts of posts read and undated posts."""
    posts = [r for r in batch if isinstance(r, Post)]
    bad = [r for r in batch if isinstance(r, Quarantined)]
    deletions = [r for r in batch if isinstance(r, Deletion)]
    report.skipped.update(r.reason for r in batch if isinstance(r, Skipped))
    report.truncated += sum(p.truncated for p in posts)
    posts_read, undated = posts_read + len(posts), undated + sum(p.undated for p in posts)
    if bad:
        store.add_quarantined(bad, campaign)
        report.quarantined += len(bad)
        report.problems.extend(bad[: max(0, 100 - len(report.problems))])
    result = store.add_posts(posts, campaign, cursor=cursor)
    if deletions:  # after the batch's posts: a post and its deletion in one batch end deleted
        report.deletions += len(deletions)
        report.deleted += store.mark_deleted(deletions, cursor=cursor)
    report.added += result.added
    report.duplicates += result.duplicates
    report.edited += result.edited
    report.read += len(batch)
    return posts_read, undated


def empty_folders(paths: Iterable[str]) -> list[str]:
    """The folders among `paths` that hold no file `default_paths` would read."""
    return [raw for raw in paths if Path(raw).is_dir()
            and not any(q.is_file() and not q.name.startswith(".") for q in Path(raw).rglob("*"))]


def default_paths(paths: Iterable[str]) -> list[Path]:
    """Expand folders into the files they hold (sorted), keep files as given; refuse missing paths."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith(".")))
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"No such file: {raw}")
    return out


"""Archive ingest: files in any supported format into the store, streaming, idempotent and resumable.

Each file is read as a stream of posts and quarantined records (`sources.read_posts`), committed in
batches; each batch is committed together with a per-file cursor (how many records of that exact file,
by path, size and modification time, are in the store), so a run that is stopped resumes where its
last batch ended. Running the same files again stores nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from backfire.model import Campaign, Post, Quarantined
from backfire.sources import SourceError, read_posts
from backfire.store import Store

Progress = Callable[[int], None]


@dataclass
class IngestReport:
    """What an ingest run did, per run (all files together)."""

    files: int = 0
    read: int = 0
    added: int = 0
    duplicates: int = 0
    quarantined: int = 0
    resumed: int = 0
    problems: list[Quarantined] = field(default_factory=list)

    def summary(self) -> str:
        """`Ingested 99,998 posts, 2 quarantined (see backfire quarantine)` and the duplicates."""
        parts = [f"Ingested {self.added:,} posts"]
        if self.duplicates:
            parts.append(f"{self.duplicates:,} already stored")
        if self.resumed:
            parts.append(f"{self.resumed:,} records skipped as done by an earlier run")
        text = ", ".join(parts)
        if self.quarantined:
            text += f", {self.quarantined:,} quarantined (see backfire quarantine)"
        return text


def file_cursor_name(path: Path) -> str:
    """The cursor key of one exact version of a file: a changed file is read again from the start."""
    st = path.stat()
    return f"ingest:{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"


def ingest(
    store: Store,
    paths: Iterable[str | Path],
    campaign: Campaign | str,
    fmt: str | None = None,
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest `paths` into `store` under `campaign`; return what happened.

    `progress`, when given, is called with the number of records read so far after every batch.
    """
    name = _ensure_campaign(store, campaign)
    report = IngestReport()
    for path in map(Path, paths):
        report.files += 1
        try:
            _ingest_file(store, path, name, fmt, batch_size, report, progress)
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
) -> None:
    cursor = file_cursor_name(path)
    done = int(store.get_cursor(cursor) or 0)
    records: Iterator[Post | Quarantined] = read_posts(path, fmt)
    if done:
        skipped = sum(1 for _ in islice(records, done))
        report.resumed += skipped
        report.read += skipped
    consumed = done
    while batch := list(islice(records, batch_size)):
        consumed += len(batch)
        posts = [r for r in batch if isinstance(r, Post)]
        bad = [r for r in batch if isinstance(r, Quarantined)]
        if bad:
            store.add_quarantined(bad, campaign)
            report.quarantined += len(bad)
            report.problems.extend(bad[: max(0, 100 - len(report.problems))])
        result = store.add_posts(posts, campaign, cursor=(cursor, str(consumed)))
        report.added += result.added
        report.duplicates += result.duplicates
        report.read += len(batch)
        if progress is not None:
            progress(report.read)


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


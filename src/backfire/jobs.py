"""File-level jobs behind `backfire classify` and `backfire detect`: read a file, run, write results.

They never load the whole file for classification (posts stream through in input order); detection
needs time order, so `detect_file` keeps the posts of one file (without their raw records) in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from backfire.model import Alarm, Campaign, Deletion, Post, Quarantined
from backfire.pipeline import AlarmHook, Pipeline, resolve_owners
from backfire.sources import SourceError, accounts_named, detect_format, input_id, link_aliases, read_posts
from backfire.understand import classify_posts
from backfire.understand.base import Classifier
from backfire.warn.base import Detector

Progress = Callable[[int], None]


def _version(post: Post) -> str:
    return post.edited_at.isoformat() if post.edited_at is not None else ""


def _format_of(path: Path) -> str | None:
    try:
        return detect_format(path)
    except SourceError:  # an empty file, or one read_posts will refuse with the same message
        return None


class UndatedFile(SourceError):
    """A file whose posts carry no time, given to a job that needs time order."""


@dataclass
class FileReport:
    """What reading one file produced: posts, and the records that could not be read."""

    posts: int = 0
    bad: list[Quarantined] = field(default_factory=list)
    owner_posts: int | None = None  # posts by the campaign's owner (`detect_file`, when it names one)
    duplicates: int = 0  # records of a post already read (`detect_file` counts each post once)
    deletions: int = 0  # delete records (not posts)
    undated: int = 0  # posts whose record gave no time
    format: str | None = None  # the file's format

    def summary(self, verb: str) -> str:
        text = f"{verb} {self.posts:,} posts"
        if self.duplicates:
            text += f" ({self.duplicates:,} repeated records of a post already read, counted once)"
        if self.deletions:
            text += f", {self.deletions:,} delete records read"
        if self.bad:
            text += f", skipped {len(self.bad):,} unreadable records (first: line {self.bad[0].line}: "
            text += f"{self.bad[0].reason})"
        return text


def _posts_of(path: Path, fmt: str | None, report: FileReport, on_bad: Callable[[Quarantined], None] | None,
              distinct: bool = False) -> Iterator[Post]:
    """The posts of `path`, unreadable records reported; with `distinct`, each post (platform and id) once,
    its repeats counted in `report.duplicates`."""
    seen: set[str] = set()
    for item in read_posts(path, fmt):
        if isinstance(item, Quarantined):
            report.bad.append(item)
            if on_bad is not None:
                on_bad(item)
            continue
        if isinstance(item, Deletion):
            report.deletions += 1
            continue
        if not isinstance(item, Post):
            continue
        report.undated += item.undated
        if distinct:
            if item.key in seen:
                report.duplicates += 1
                continue
            seen.add(item.key)
        report.posts += 1
        yield item


def classify_file(
    path: Path,
    out: TextIO,
    classifier: Classifier,
    campaign: Campaign | None = None,
    fmt: str | None = None,
    on_bad: Callable[[Quarantined], None] | None = None,
    progress: Progress | None = None,
) -> FileReport:
    """Write one JSON line of verdict per post of `path` to `out`, in input order."""
    report = FileReport()
    for n, (post, verdict) in enumerate(
        classify_posts(_posts_of(path, fmt, report, on_bad), campaign, classifier), start=1
    ):
        row = verdict.contract_fields()
        row["id"] = input_id(post)
        row.update(p_support=round(verdict.p_support, 4), platform=post.platform, author=post.author.handle)
        if verdict.inherited_from:
            row["inherited_from"] = verdict.inherited_from
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        if progress is not None and n % 256 == 0:
            progress(n)
    return report


def detect_file(
    path: Path,
    campaign: Campaign,
    classifier: Classifier,
    detector: Detector,
    fmt: str | None = None,
    on_alarm: list[AlarmHook] | None = None,
    on_bad: Callable[[Quarantined], None] | None = None,
    progress: Progress | None = None,
) -> tuple[list[Alarm], FileReport]:
    """Run the posts of `path`, sorted by time, through classification and the detector. A post the file
    holds more than once (overlapping pages of an export, a collector that reconnected and replayed, the
    versions of an edited post) is evidence once, in its latest version: its repeats are counted in the
    report, as `ingest` counts them, and skipped. A file
    whose posts carry no time (a CSV without a time column) is refused with `UndatedFile`; undated rows of
    a file with times are left out and counted in `report.undated`."""
    report = FileReport(format=fmt or _format_of(path))
    latest: dict[str, Post] = {}
    names: dict[str, str] = {}
    for post in _posts_of(path, report.format, report, on_bad):
        if campaign.owners:  # the handles the file pairs with account ids, read before the raw record goes
            names.update(accounts_named([post]))
        post.raw = None
        kept = latest.get(post.key)
        if kept is not None:  # a repeat, or another version of an edited post: the latest is evidence
            report.duplicates += 1
            if _version(post) <= _version(kept):
                continue
        latest[post.key] = post
    posts = list(latest.values())
    if posts and report.undated == len(posts):
        raise UndatedFile(f"{path} has no times (no created_at/timestamp column): the hijack detector follows "
                          "the posts in time order and cannot run on it. Add a time column, or use `classify`.")
    posts = link_aliases([p for p in posts if not p.undated])
    report.posts = len(posts)
    posts.sort(key=lambda p: p.created_at)
    resolve_owners(campaign, names)
    if campaign.owners:
        report.owner_posts = sum(campaign.is_owner(p.author.handle) for p in posts)
    pipeline = Pipeline(campaign, classifier, detector, on_alarm=on_alarm or [])
    alarms = pipeline.run(posts, progress=progress)
    return alarms, report

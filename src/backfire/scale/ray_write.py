"""Ingest with the workers writing: each file read and stored by a Ray task, for a shared server store.

With a store every node reaches (PostgreSQL, which takes several writers at once), the driver need not
carry every record: a Ray Data task per file runs `ingest.ingest` on it against the store's location,
with the same batches, cursor, duplicates and quarantine, and the driver sums the reports in file order.
The posts stored, the quarantine and the report's counts are the in-process run's; only the arrival order
of posts from different files interleaves, so posts of the same second in two files may be listed (and
watched) in another order than one process would have stored them. Hence it is asked for explicitly
(`--write-on-workers`), never chosen silently.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from backfire.ingest import IngestReport, Record

_PROTOCOL = pickle.HIGHEST_PROTOCOL
PROBLEMS_KEPT = 100  # as `ingest` keeps in its report


def ingest_file_batch(batch: dict[str, Any], location: str, campaign: str, fmt: str | None,
                      private: bool) -> Any:
    """Ray Data UDF: ingest each file of the batch into the store at `location`; one pickled report each."""
    import pyarrow as pa

    indexes, reports = [], []
    for index, given, path in zip(batch["index"], batch["path"], batch["resolved"], strict=True):
        reports.append(pickle.dumps(_ingest_one(location, campaign, str(given), str(path), fmt, private),
                                    protocol=_PROTOCOL))
        indexes.append(int(index))
    return pa.table({"index": pa.array(indexes, pa.int64()), "report": pa.array(reports, pa.binary())})


def _ingest_one(location: str, campaign: str, given: str, path: str, fmt: str | None,
                private: bool) -> IngestReport:
    from backfire.ingest import ingest
    from backfire.model import Quarantined
    from backfire.sources import read_posts
    from backfire.store import open_store

    def named_as_given(at: Any, f: str | None = None, private: bool = False) -> Iterator[Record]:
        for record in read_posts(at, f, private=private):
            if isinstance(record, Quarantined) and record.path == str(at):
                record = record.model_copy(update={"path": given})
            yield record

    with open_store(location) as store:
        report = ingest(store, [Path(path)], campaign, fmt, private=private, reader=named_as_given)
    report.problems = [q.model_copy(update={"path": given}) if q.path == path else q for q in report.problems]
    report.empty_files = [given if f == path else f for f in report.empty_files]
    report.undated_files = [given if f == path else f for f in report.undated_files]
    return report


def merge(reports: Sequence[IngestReport]) -> IngestReport:
    """One report for several files' reports, in file order, as one `ingest` run over them gives."""
    total = IngestReport()
    for r in reports:
        for name in ("files", "read", "added", "duplicates", "quarantined", "resumed", "edited", "deletions",
                     "deleted", "truncated"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.skipped.update(r.skipped)
        total.undated_files.extend(r.undated_files)
        total.empty_files.extend(r.empty_files)
        total.problems.extend(r.problems[: max(0, PROBLEMS_KEPT - len(total.problems))])
    return total


def ingest_on_workers(ray: ModuleType, paths: Sequence[Path], campaign: str, location: str, fmt: str | None,
                      private: bool, workers: int) -> IngestReport:
    """Ingest `paths` into the store at `location`, each file by a Ray task; the merged report."""
    if not paths:
        return IngestReport()
    items = [{"index": i, "path": str(p), "resolved": str(Path(p).resolve())} for i, p in enumerate(paths)]
    ds = ray.data.from_items(items, override_num_blocks=len(items))
    out = ds.map_batches(ingest_file_batch, batch_size=1, batch_format="numpy", num_cpus=1,
                         compute=ray.data.TaskPoolStrategy(size=min(workers, len(items))),
                         fn_kwargs={"location": location, "campaign": campaign, "fmt": fmt, "private": private})
    reports: list[IngestReport | None] = [None] * len(items)
    for row in out.iter_rows():
        reports[int(row["index"])] = pickle.loads(row["report"])
    return merge([r for r in reports if r is not None])

"""Read archive files on Ray: Ray Data runs `sources.read_posts` on each file in parallel, in chunks.

The records come back to the driver in file order and chunk order (`preserve_order`), where
`ingest.ingest` consumes them through its `reader` hook: the store is written by the same batches, with
the same per-file cursors, duplicates, quarantine (line numbers as the source numbers them) and report as
the in-process run. Reading runs ahead of writing, bounded by Ray Data's backpressure.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from backfire.ingest import Record
from backfire.sources import SourceError

CHUNK = 2000  # records per row sent back from a reader
_PROTOCOL = pickle.HIGHEST_PROTOCOL


def read_file_chunks(batch: dict[str, Any]) -> Iterator[Any]:
    """Ray Data UDF: for each file of the batch, its records in chunks of `CHUNK`, pickled; a file that
    cannot be read ends with an `error` row carrying the `SourceError` message (as the driver would
    have raised it)."""
    for index, given, path, fmt, private in zip(batch["index"], batch["path"], batch["resolved"], batch["fmt"],
                                                batch["private"], strict=True):
        yield from _file_rows(int(index), str(given), str(path), str(fmt) or None, bool(private))


def _file_rows(index: int, given: str, path: str, fmt: str | None, private: bool) -> Iterator[Any]:
    """The rows of one file, read at `path` (absolute, as the driver resolved it, whatever the worker's
    folder); its quarantine records name it as `given`, as the in-process run does."""
    import pyarrow as pa

    from backfire.model import Quarantined
    from backfire.sources import read_posts

    def row(records: list[Record], error: str = "") -> Any:
        records = [r.model_copy(update={"path": given}) if isinstance(r, Quarantined) and r.path == path else r
                   for r in records]
        error = error.replace(path, given)
        payload = pickle.dumps(records, protocol=_PROTOCOL) if records else b""
        return pa.table({"index": pa.array([index], pa.int64()), "records": pa.array([payload], pa.binary()),
                         "error": pa.array([error], pa.string())})

    chunk: list[Record] = []
    try:
        for record in read_posts(path, fmt, private=private):
            chunk.append(record)
            if len(chunk) >= CHUNK:
                yield row(chunk)
                chunk = []
    except SourceError as exc:
        if chunk:
            yield row(chunk)
        yield row([], str(exc) or type(exc).__name__)
        return
    if chunk:
        yield row(chunk)


class RayReader:
    """An `ingest` reader whose records were read on Ray. Files must be asked for in the order given."""

    def __init__(self, ray: ModuleType, paths: Sequence[Path], fmt: str | None, private: bool,
                 workers: int) -> None:
        self.paths = [str(p) for p in paths]
        self.fmt = fmt
        self.private = private
        self.workers = workers
        self._ray = ray
        self._rows: Iterator[dict[str, Any]] | None = None
        self._pending: dict[str, Any] | None = None
        self._next = 0

    def _start(self) -> Iterator[dict[str, Any]]:
        ray = self._ray
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        items = [{"index": i, "path": p, "resolved": str(Path(p).resolve()), "fmt": self.fmt or "",
                  "private": self.private} for i, p in enumerate(self.paths)]
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        out = ds.map_batches(read_file_chunks, batch_size=1, batch_format="numpy", num_cpus=1,
                             compute=ray.data.TaskPoolStrategy(size=min(self.workers, len(items))))
        rows: Iterator[dict[str, Any]] = iter(out.iter_rows())
        return rows

    def __call__(self, path: str | Path, fmt: str | None = None, private: bool = False) -> Iterator[Record]:
        index = self._next
        if index >= len(self.paths) or str(path) != self.paths[index]:
            raise RuntimeError(f"RayReader was asked for {path} out of order")
        self._next += 1
        if self._rows is None:
            self._rows = self._start()
        return self._records(index)

    def _records(self, index: int) -> Iterator[Record]:
        assert self._rows is not None
        while True:
            row = self._pending if self._pending is not None else next(self._rows, None)
            self._pending = None
            if row is None or int(row["index"]) != index:
                self._pending = row
                return
            if row["error"]:
                raise SourceError(str(row["error"]))
            yield from pickle.loads(row["records"])

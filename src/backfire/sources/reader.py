"""Streaming posts out of archive files: `read_posts`.

Files are read one record at a time (JSON Lines, CSV), or incrementally (a JSON array, pretty-printed
JSON), gzip/zstd transparently; memory stays near one record whatever the file size. Every record that
cannot become a post is yielded as a `Quarantined` entry, in file order, and reading goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from backfire.model import Post, Quarantined
from backfire.sources._csvrows import csv_rows
from backfire.sources._io import DEFAULT_MAX_LINE_BYTES, Bad, file_layout, open_binary, plain_suffix, snippet
from backfire.sources.detect import detect_format, json_values
from backfire.sources.errors import SourceError


def read_posts(
    path: str | Path,
    format: str | None = None,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[Post | Quarantined]:
    """Yield the posts of `path` in file order, and a `Quarantined` entry for every bad record.

    `format` is a registered format name (see `FORMATS`); by default it is detected. Lines are 1-based
    physical line numbers (for CSV the line where the row starts; for a JSON array the element number,
    and the reason says "element N"). A line longer than `max_line_bytes` is quarantined as "line too
    long" without being held in memory. An empty file yields nothing. Raises `SourceError` only for
    problems with the whole file: an unknown format name, an undetectable format, a CSV without `text`.

    Invalid UTF-8 quarantines its line in JSON Lines and CSV; inside a JSON array or pretty-printed JSON
    it is replaced with U+FFFD instead, since one element cannot be skipped without the others.
    """
    from backfire.sources import FORMATS

    layout, _ = file_layout(path, use_suffix=format is None or format == "csv")
    if layout == "empty":
        return
    name = format or detect_format(path)
    module = FORMATS.get(name)
    if module is None:
        raise SourceError(f"Unknown format {name!r}; known formats: {', '.join(FORMATS)}")
    if name == "csv":
        items = _csv_items(path, max_line_bytes)
    else:
        items = json_values(path, "jsonl" if layout == "csv" else layout, max_line_bytes)
    for item in items:
        if isinstance(item, Bad):
            yield Quarantined(path=str(path), line=item.line, reason=item.reason, snippet=item.snippet, format=name)
        else:
            yield from map_record(module, item[1], path=str(path), line=item[0], format=name)


def _csv_items(path: str | Path, max_bytes: int) -> Iterator[tuple[int, Any] | Bad]:
    with open_binary(path) as stream:
        yield from csv_rows(stream, max_bytes, prefer_tab=plain_suffix(path) == ".tsv")


def map_record(module: ModuleType, raw: dict[str, Any], *, path: str, line: int,
               format: str) -> Iterator[Post | Quarantined]:
    """The posts of one raw record, with a `Quarantined` entry for each that cannot be mapped."""
    split = getattr(module, "records", None)
    try:
        parts = split(raw) if split is not None else None
    except Exception as exc:
        yield _quarantine(exc, raw, path=path, line=line, format=format)
        return
    if parts is None:  # a plugin without `records`: map what iter_posts gives until it fails
        try:
            yield from module.iter_posts(raw)
        except Exception as exc:
            yield _quarantine(exc, raw, path=path, line=line, format=format)
        return
    for index, part in enumerate(parts):
        try:
            yield module.to_post(part)
        except Exception as exc:
            where = f"post {index + 1} of {len(parts)}: " if len(parts) > 1 else ""
            yield _quarantine(exc, part, path=path, line=line, format=format, where=where)


def _quarantine(exc: Exception, raw: Any, *, path: str, line: int, format: str, where: str = "") -> Quarantined:
    kind = exc.kind if isinstance(exc, SourceError) else f"error ({type(exc).__name__})"
    return Quarantined(path=path, line=line, reason=f"{where}{kind}: {exc}"[:500], snippet=_snip(raw),
                       format=format)


def _snip(raw: Any) -> str:
    import json

    try:
        return snippet(json.dumps(raw, ensure_ascii=False, default=str)[:400])
    except (TypeError, ValueError):
        return snippet(repr(raw)[:400])

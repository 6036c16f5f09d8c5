"""Telling which registered format a file is in, from its suffix and its first records."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from backfire.sources._csvrows import header_delimiter
from backfire.sources._io import (
    DEFAULT_MAX_LINE_BYTES,
    Bad,
    Layout,
    file_layout,
    json_lines,
    open_binary,
)
from backfire.sources._jsonstream import array_values, concatenated_values
from backfire.sources.errors import SourceError
from backfire.sources.registry import sniff_order

SAMPLE = 20


def detect_format(path: str | Path, formats: dict[str, ModuleType] | None = None) -> str:
    """The name of the registered format `path` is in.

    A `.csv`/`.tsv` suffix (also under `.gz`) or a first line that is a header with a `text` column
    means CSV; otherwise the first records (JSON Lines, a JSON array or pretty-printed JSON, gzip or
    zstd compressed or not) are offered to each format's `sniff` and the most-matched format wins.
    Raises `SourceError` naming the known formats when nothing matches.
    """
    from backfire.sources import FORMATS

    formats = FORMATS if formats is None else formats
    layout, first = file_layout(path)
    if layout == "empty":
        raise SourceError(f"{path} is empty: there is no record to tell its format from")
    if layout == "csv":
        return _csv_or_fail(path, first, formats)
    votes = Counter(name for raw in sample_records(path, layout) if (name := _vote(raw, formats)))
    if not votes:
        names = ", ".join(sniff_order(formats))
        raise SourceError(f"Cannot tell the format of {path}: its first records look like none of: {names}. "
                          "Name the format explicitly (e.g. --format twitter-v1).")
    order = sniff_order(formats)
    return min(votes, key=lambda name: (-votes[name], order.index(name)))


def _csv_or_fail(path: str | Path, first: str, formats: dict[str, ModuleType]) -> str:
    if "csv" in formats and header_delimiter(first) is not None:
        return "csv"
    raise SourceError(f"Cannot tell the format of {path}: it is not JSON, and as CSV its header "
                      f"{first.strip()[:80]!r} has no 'text' column. Known formats: {', '.join(formats)}.")


def _vote(raw: dict[str, Any], formats: dict[str, ModuleType]) -> str | None:
    for name in sniff_order(formats):
        if name == "csv":
            continue  # CSV is recognised from the file, never from a JSON object
        try:
            if formats[name].sniff(raw):
                return name
        except Exception:  # a plugin's sniff must not break detection
            continue
    return None


def sample_records(path: str | Path, layout: Layout, limit: int = SAMPLE) -> Iterator[dict[str, Any]]:
    """Up to `limit` readable JSON objects from the start of the file (bad lines skipped)."""
    count = 0
    for item in json_values(path, layout, DEFAULT_MAX_LINE_BYTES):
        if isinstance(item, Bad):
            continue
        yield item[1]
        count += 1
        if count >= limit:
            return


def json_values(path: str | Path, layout: Layout, max_bytes: int) -> Iterator[tuple[int, Any] | Bad]:
    """`(position, dict)` or `Bad` for each record of a JSON file of the given layout."""
    with open_binary(path) as stream:
        if layout == "jsonl":
            yield from json_lines(stream, max_bytes)
            return
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        values = array_values(text, max_bytes) if layout == "array" else concatenated_values(text, max_bytes)
        for item in values:
            if isinstance(item, Bad) or isinstance(item[1], dict):
                yield item
            else:
                where = f"element {item[0]}" if layout == "array" else f"line {item[0]}"
                yield Bad(item[0], f"{where}: not a JSON object: a JSON {type(item[1]).__name__}")

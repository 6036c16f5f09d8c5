"""Reading CSV/TSV rows with their physical line numbers, one bad line never stopping the rest."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any

from backfire.sources._columns import ID_NAMES, TEXT_NAMES, norm
from backfire.sources._io import Bad, decode_line, iter_lines, snippet
from backfire.sources.errors import SourceError

ROW_KEY = "__row"
SEEN_KEY = "__seen"
DELIMITERS = (",", "\t", ";", "|")


def header_delimiter(header: str, prefer_tab: bool = False) -> str | None:
    """The delimiter under which `header` has a text column (`text`, `full_text`, ...: see `_columns`), or
    None when none does."""
    order = ("\t", *DELIMITERS) if prefer_tab else DELIMITERS
    for delimiter in order:
        columns = next(csv.reader([header], delimiter=delimiter), [])
        if any(norm(c) in TEXT_NAMES for c in columns):
            return delimiter
    return None


def csv_rows(stream: IO[bytes], max_bytes: int, prefer_tab: bool = False) -> Iterator[tuple[int, Any] | Bad]:
    """Yield `(line number, row dict)` for each data row, and `Bad` for lines that cannot be read.

    Each row dict maps the header's column names to cell strings (None for missing cells) and holds
    its 0-based data-row number under `__row`. When the header has no id column, `__seen` holds how many
    earlier rows of the file had exactly the same cells (the CSV source derives ids from the content and
    this count). Raises `SourceError` when the header has no `text` column.
    """
    bad: list[Bad] = []
    lines = _Lines(iter_lines(stream, max_bytes), bad)
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        yield from _flush(bad)
        return
    delimiter = header_delimiter(header_line, prefer_tab)
    if delimiter is None:
        raise SourceError(f"the CSV header has no 'text' column (header: {header_line.strip()[:120]!r})")
    header = [c.strip().lstrip("\ufeff") for c in next(csv.reader([header_line], delimiter=delimiter))]
    csv.field_size_limit(max(max_bytes, csv.field_size_limit()))
    reader = csv.reader(lines, delimiter=delimiter)
    seen: dict[int, int] | None = None if any(norm(c) in ID_NAMES for c in header) else {}
    row_number = 0
    while True:
        start = lines.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield from _flush(bad)
            yield Bad(start, f"malformed CSV: {exc}")
            row_number += 1
            continue
        flagged = any(start <= b.line <= lines.count for b in bad)
        yield from _flush(bad)
        if flagged or cells:
            swallowed = _swallowed_rows(header, cells, delimiter)
            if swallowed and not flagged:
                yield Bad(start, f"unterminated quote: the text runs over {swallowed} following lines that read as "
                          "rows of this file, so they were swallowed into it; close the quote and read it again",
                          snippet(delimiter.join(cells)[:300]))
            elif not flagged:
                row = _row(header, cells, row_number)
                if seen is not None:  # repeats of a row are told apart by their count
                    digest = hash(tuple(cells))
                    row[SEEN_KEY] = seen.get(digest, 0)
                    seen[digest] = row[SEEN_KEY] + 1
                yield start, row
            row_number += 1
    yield from _flush(bad)


SANE_TEXT = 2000  # characters: longer than any platform's post (Mastodon instances that allow more are rare)


def _swallowed_rows(header: list[str], cells: list[str], delimiter: str) -> int:
    """How many lines of a too-long text cell read as rows of the file (an unterminated quote swallowed
    them): 0 when the row looks sound."""
    texts = [c for h, c in zip(header, cells, strict=False) if norm(h) in TEXT_NAMES and len(c) > SANE_TEXT]
    if not texts or len(header) < 2:
        return 0
    lines = texts[0].splitlines()[1:]
    rowlike = sum(1 for cells_ in csv.reader(lines, delimiter=delimiter) if len(cells_) >= len(header) - 1)
    return rowlike if rowlike >= 2 else 0


def _row(header: list[str], cells: list[str], number: int) -> dict[str, Any]:
    """Column -> cell (None for missing cells; cells beyond the header are dropped) plus `__row`."""
    row: dict[str, Any] = dict(zip(header, cells, strict=False))
    for column in header[len(cells):]:
        row[column] = None
    row[ROW_KEY] = number
    return row


class _Lines:
    """Decoded lines for the csv module, counting physical lines and noting the unreadable ones."""

    def __init__(self, items: Iterator[tuple[int, bytes] | Bad], bad: list[Bad]) -> None:
        self.items, self.bad, self.count = items, bad, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        item = next(self.items)
        if isinstance(item, Bad):
            self.bad.append(item)
            self.count = item.line
            return "\n"
        number, chunk = item
        self.count = number
        text = decode_line(number, chunk)
        if isinstance(text, Bad):
            self.bad.append(text)
            return chunk.decode("utf-8", "replace")
        return text


def _flush(bad: list[Bad]) -> Iterator[Bad]:
    while bad:
        yield bad.pop(0)


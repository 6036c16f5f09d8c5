"""Low-level reading: compressed files, bounded lines, and the layout of a file (JSONL, JSON array,
concatenated pretty-printed JSON, CSV).

Nothing here knows about formats; it hands dicts (or `Bad` entries) to the reader. A JSON Lines line is
parsed by orjson; a line orjson refuses is parsed again by the standard library, which says why it is
bad (or reads what only it accepts: NaN, a byte-order mark, numbers beyond 64 bits). A line orjson
reads becomes a `RawRecord` that keeps the line's text, which the store keeps as the raw record.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

import orjson

from backfire.model import RawRecord

Layout = Literal["empty", "jsonl", "array", "concat", "csv"]

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
SNIPPET = 200
CSV_SUFFIXES = (".csv", ".tsv")
READ_ERRORS = (EOFError, OSError, zlib.error)


class Bad(NamedTuple):
    """A line or element that could not be read: where (1-based), why, and what it started with."""

    line: int
    reason: str
    snippet: str = ""


def open_binary(path: str | Path) -> IO[bytes]:
    """Open `path` for reading bytes, decompressing gzip or zstd (recognised by magic bytes)."""
    with open(path, "rb") as probe:
        magic = probe.read(4)
    if magic.startswith(GZIP_MAGIC):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if magic.startswith(ZSTD_MAGIC):
        import zstandard

        return io.BufferedReader(zstandard.open(path, "rb"))
    return open(path, "rb")


def plain_suffix(path: str | Path) -> str:
    """The file's suffix ignoring a compression suffix: 'a.csv.gz' -> '.csv'."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    while suffixes and suffixes[-1] in (".gz", ".gzip", ".zst", ".zstd"):
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def snippet(data: bytes | str) -> str:
    """The first `SNIPPET` characters of a line, invalid UTF-8 replaced."""
    text = data[: SNIPPET * 4].decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text[:SNIPPET]


def iter_lines(stream: IO[bytes], max_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[tuple[int, bytes] | Bad]:
    """Yield `(line number, bytes)` for every physical line, or `Bad` for a line over `max_bytes`
    (which is skipped without ever holding more than `max_bytes` of it) and for a compressed stream
    that ends early or is corrupt (after which reading stops)."""
    number = 0
    while True:
        try:
            chunk = stream.readline(max_bytes + 2)
        except READ_ERRORS as exc:
            yield Bad(number + 1, f"unreadable: the compressed stream ends early or is corrupt ({exc})")
            return
        if not chunk:
            return
        number += 1
        if len(chunk) > max_bytes and len(chunk.rstrip(b"\r\n")) > max_bytes:  # (no copy of every line)
            yield Bad(number, f"line too long: over {max_bytes:,} bytes", snippet(chunk))
            if not chunk.endswith(b"\n"):
                yield from _drain(stream, number, max_bytes)
            continue
        yield number, chunk


def _drain(stream: IO[bytes], number: int, max_bytes: int) -> Iterator[Bad]:
    while True:
        try:
            rest = stream.readline(max_bytes)
        except READ_ERRORS as exc:
            yield Bad(number + 1, f"unreadable: the compressed stream ends early or is corrupt ({exc})")
            return
        if not rest or rest.endswith(b"\n"):
            return


def decode_line(number: int, chunk: bytes) -> str | Bad:
    """The line as text (a leading BOM dropped), or `Bad` for invalid UTF-8."""
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Bad(number, f"invalid UTF-8 at byte {exc.start}", snippet(chunk))
    return text[1:] if number == 1 and text.startswith("\ufeff") else text


def parse_json_line(number: int, text: str) -> dict[str, Any] | Bad:
    """A JSON object from one line, or `Bad` (malformed, truncated, or not an object)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        stripped = text.rstrip()
        truncated = exc.pos >= len(stripped) or (
            exc.msg.startswith("Unterminated string") and not stripped.endswith("}"))
        reason = "truncated JSON" if truncated else f"malformed JSON: {exc.msg} (column {exc.colno})"
        return Bad(number, reason, snippet(text))
    except RecursionError:
        return Bad(number, "malformed JSON: nested too deeply", snippet(text))
    if not isinstance(value, dict):
        return Bad(number, f"not a JSON object: a JSON {type(value).__name__}", snippet(text))
    return value


def json_lines(stream: IO[bytes], max_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[tuple[int, Any] | Bad]:
    """`(line number, dict)` for every non-blank line of a JSON Lines stream, `Bad` for the others."""
    loads, error = orjson.loads, orjson.JSONDecodeError
    for item in iter_lines(stream, max_bytes):
        if isinstance(item, Bad):
            yield item
            continue
        number, chunk = item
        try:
            fast = loads(chunk)
        except error:
            pass  # the standard library below says why, or reads what orjson does not
        else:
            if type(fast) is dict:
                yield number, RawRecord(fast, chunk.decode("utf-8").strip())
                continue
        text = decode_line(number, chunk)
        if isinstance(text, Bad):
            yield text
        elif text.strip():
            value = parse_json_line(number, text)
            yield value if isinstance(value, Bad) else (number, value)


def file_layout(path: str | Path, *, use_suffix: bool = True) -> tuple[Layout, str]:
    """How the file is laid out, judged from its suffix and its first non-blank line (also returned):
    a CSV suffix or a first line not starting with '{' or '[' means CSV, '[' a JSON array, a lone '{'
    pretty-printed objects, anything else JSON Lines."""
    first = first_line(path)
    if first is None:
        return "empty", ""
    if use_suffix and plain_suffix(path) in CSV_SUFFIXES:
        return "csv", first
    start = first.lstrip()[:1]
    if start == "[":
        return "array", first
    if start != "{":
        return "csv", first
    return ("concat" if first.strip() == "{" else "jsonl"), first


def first_line(path: str | Path, limit: int = 1024 * 1024) -> str | None:
    """The first non-blank line (at most `limit` bytes of it, invalid UTF-8 replaced), or None."""
    with open_binary(path) as stream:
        try:
            while chunk := stream.readline(limit):
                text = chunk.decode("utf-8", "replace").lstrip("\ufeff")
                if text.strip():
                    return text
        except READ_ERRORS:
            return None
    return None

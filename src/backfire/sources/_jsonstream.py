"""Incremental reading of JSON documents too large to load: a top-level array of records, or
several pretty-printed objects one after another. Memory stays near one element plus one chunk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from backfire.model import RawRecord
from backfire.sources._io import READ_ERRORS, Bad, snippet

CHUNK = 1 << 20
_DECODER = json.JSONDecoder()
_WS = " \t\r\n"
TOO_DEEP = "nested too deeply to read (thousands of levels: no real record is); skipped"


class _Buffer:
    """A window on a text stream that grows only while one value does not fit in it."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream, self.text, self.pos, self.line, self.eof = stream, "", 0, 1, False

    def more(self, size: int = CHUNK) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(size)
        self.line += self.text.count("\n", 0, self.pos)
        self.text, self.pos = self.text[self.pos:] + chunk, 0
        self.eof = not chunk
        return bool(chunk)

    def peek(self) -> str:
        """The next non-blank character ('' at the end), consumed blanks counted as lines."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos: self.pos + 1]

    def line_at_pos(self) -> int:
        return self.line + self.text.count("\n", 0, self.pos)

    def skip(self) -> None:
        """Move past the array or object at the cursor without decoding it (one nested too deeply for
        Python's decoder), counting brackets outside strings; reads more until it closes."""
        depth, i, in_string, escaped = 0, self.pos, False, False
        while True:
            text = self.text
            while i < len(text):
                c = text[i]
                if in_string:
                    if escaped:
                        escaped = False
                    elif c == "\\":
                        escaped = True
                    elif c == '"':
                        in_string = False
                elif c == '"':
                    in_string = True
                elif c in "[{":
                    depth += 1
                elif c in "]}":
                    depth -= 1
                    if depth <= 0:
                        self.pos = i + 1
                        return
                i += 1
            offset = i - self.pos
            if not self.more():
                raise json.JSONDecodeError("truncated JSON: a deeply nested value never closes", self.text, i)
            i = self.pos + offset

    def value(self, max_chars: int) -> Any:
        """Decode the value at the cursor, reading more until it is complete (or too large). An object
        comes as a `RawRecord` keeping its text as read."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
                if end < len(self.text) or self.eof:
                    if type(value) is dict:
                        value = RawRecord(value, self.text[self.pos: end])
                    self.pos = end
                    return value
            except json.JSONDecodeError:
                if self.eof or len(self.text) - self.pos > max_chars:
                    raise
            self.more(max(CHUNK, len(self.text) - self.pos))


def array_values(stream: IO[str], max_chars: int) -> Iterator[tuple[int, Any] | Bad]:
    """Yield `(element number, value)` (1-based) for each element of a top-level JSON array.

    A malformed element cannot be skipped reliably, so it ends the reading with one `Bad` entry.
    """
    buf, number = _Buffer(stream), 0
    try:
        if buf.peek() != "[":
            yield Bad(1, "malformed JSON: a JSON array must start with '['", snippet(buf.text))
            return
        buf.pos += 1
        while (nxt := buf.peek()) not in ("]", ""):
            number += 1
            if number > 1:
                if nxt != ",":
                    raise json.JSONDecodeError("expected ',' or ']'", buf.text, buf.pos)
                buf.pos += 1
                buf.peek()
            try:
                yield number, buf.value(max_chars)
            except RecursionError:
                start = snippet(buf.text[buf.pos: buf.pos + 200])
                buf.skip()
                yield Bad(number, f"element {number}: {TOO_DEEP}", start)
        if nxt == "":
            yield Bad(number + 1, f"element {number + 1}: truncated JSON: the array never closes")
    except json.JSONDecodeError as exc:
        yield Bad(number, f"element {number}: malformed JSON: {exc.msg}; the rest of the array is skipped",
                  snippet(buf.text[buf.pos:]))
    except READ_ERRORS as exc:
        yield Bad(number + 1, f"unreadable: the compressed stream ends early or is corrupt ({exc})")


def concatenated_values(stream: IO[str], max_chars: int) -> Iterator[tuple[int, Any] | Bad]:
    """Yield `(line where it starts, value)` for JSON values written one after another (pretty-printed
    objects, for example). A malformed value ends the reading with one `Bad` entry."""
    buf = _Buffer(stream)
    line = 1
    try:
        while buf.peek():
            line = buf.line_at_pos()
            try:
                yield line, buf.value(max_chars)
            except RecursionError:
                start = snippet(buf.text[buf.pos: buf.pos + 200])
                buf.skip()
                yield Bad(line, TOO_DEEP, start)
    except json.JSONDecodeError as exc:
        yield Bad(line, f"malformed JSON: {exc.msg}; the rest of the file is skipped", snippet(buf.text[buf.pos:]))
    except READ_ERRORS as exc:
        yield Bad(line, f"unreadable: the compressed stream ends early or is corrupt ({exc})")

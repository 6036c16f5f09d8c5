"""Streaming posts out of archive files: `read_posts`.

Files are read one record at a time (JSON Lines, CSV), or incrementally (a JSON array, pretty-printed
JSON), gzip/zstd transparently; memory stays near one record whatever the file size. Every record that
cannot become a post is yielded as a `Quarantined` entry, in file order, and reading goes on. A record
saying a post was deleted is yielded as a `Deletion` (formats that have them offer `to_deletion(raw)`),
and, with `private=False`, a post its format's `excluded(raw)` names a reason for (a Mastodon status that
is not public, an account that opted out) as a `Skipped` entry instead of the post.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from backfire.model import Deletion, Post, Quarantined, Skipped
from backfire.sources._csvrows import csv_rows
from backfire.sources._io import DEFAULT_MAX_LINE_BYTES, Bad, file_layout, open_binary, plain_suffix, snippet
from backfire.sources.detect import detect_format, json_values
from backfire.sources.errors import SourceError


def read_posts(
    path: str | Path,
    format: str | None = None,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    private: bool = True,
) -> Iterator[Post | Quarantined | Deletion | Skipped]:
    """Yield the posts of `path` in file order, and a `Quarantined` entry for every bad record.

    `format` is a registered format name (see `FORMATS`); by default it is detected. Lines are 1-based
    physical line numbers (for CSV the line where the row starts; for a JSON array the element number,
    and the reason says "element N"). A line longer than `max_line_bytes` is quarantined as "line too
    long" without being held in memory. An empty file yields nothing. Raises `SourceError` only for
    problems with the whole file: an unknown format name, an undetectable format, a CSV without `text`.

    Invalid UTF-8 quarantines its line in JSON Lines and CSV; inside a JSON array or pretty-printed JSON
    it is replaced with U+FFFD instead, since one element cannot be skipped without the others.

    Delete records come as `Deletion` entries. With `private=False`, posts their format excludes for
    privacy (`excluded(raw)`) come as `Skipped` entries, with the reason.
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
            yield from map_record(module, item[1], path=str(path), line=item[0], format=name, private=private)


def _csv_items(path: str | Path, max_bytes: int) -> Iterator[tuple[int, Any] | Bad]:
    with open_binary(path) as stream:
        yield from csv_rows(stream, max_bytes, prefer_tab=plain_suffix(path) == ".tsv")


def map_record(module: ModuleType, raw: dict[str, Any], *, path: str, line: int,
               format: str, private: bool = True) -> Iterator[Post | Quarantined | Deletion | Skipped]:
    """The posts of one raw record, with a `Quarantined` entry for each that cannot be mapped (a `Deletion`
    for a delete record; with `private=False`, a `Skipped` entry for a post its format excludes)."""
    to_deletion, excluded, split = _hooks(module)
    deletion = _deletion(to_deletion, raw) if to_deletion is not None else None
    if deletion is not None:
        yield deletion.model_copy(update={"path": path, "line": line})
        return
    if not private and excluded is not None and (why := _excluded(excluded, raw)):
        yield Skipped(path=path, line=line, reason=why)
        return
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
            many = len(parts) > 1
            where = f"post {index + 1} of {len(parts)}: " if many else ""
            yield _quarantine(exc, part, path=path, line=line, format=format, where=where,
                              part=index + 1 if many else 0)


Hook = Callable[[dict[str, Any]], Any]


def _hooks(module: ModuleType) -> tuple[Hook | None, Hook | None, Hook | None]:
    """A format's optional `to_deletion`, `excluded` and `records`, read from the module's namespace
    (`getattr` of a missing attribute costs an exception, for every record)."""
    names = vars(module)
    if "__getattr__" in names:  # a module computing its attributes (PEP 562)
        return (getattr(module, "to_deletion", None), getattr(module, "excluded", None),
                getattr(module, "records", None))
    return names.get("to_deletion"), names.get("excluded"), names.get("records")


def _deletion(reader: Hook, raw: dict[str, Any]) -> Deletion | None:
    try:
        found = reader(raw)
    except Exception:  # a malformed delete record is then quarantined by to_post, with its reason
        return None
    return found if isinstance(found, Deletion) else None


def _excluded(check: Hook, raw: dict[str, Any]) -> str | None:
    try:
        return check(raw)
    except Exception:
        return None


def _quarantine(exc: Exception, raw: Any, *, path: str, line: int, format: str, where: str = "",
                part: int = 0) -> Quarantined:
    kind = exc.kind if isinstance(exc, SourceError) else f"error ({type(exc).__name__})"
    return Quarantined(path=path, line=line, reason=f"{where}{kind}: {exc}"[:500], snippet=_snip(raw),
                       format=format, part=part, record_id=_record_id(raw))


def _record_id(raw: Any) -> str | None:
    """The record's own id, when it shows one (`id_str`, `id`, `uri`; a CSV row's id column)."""
    if not isinstance(raw, dict):
        return None
    for key in ("id_str", "id", "uri", "tweet_id", "ID"):
        value = raw.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)[:100]
    return None


def _snip(raw: Any) -> str:
    import json

    try:
        return snippet(json.dumps(raw, ensure_ascii=False, default=str)[:400])
    except (TypeError, ValueError):
        return snippet(repr(raw)[:400])

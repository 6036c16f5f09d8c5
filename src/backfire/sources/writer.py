"""Writing posts as archive files of a registered format: `write_posts` (used by the simulator)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from backfire.model import Post
from backfire.sources.errors import SourceError


def write_posts(posts: Iterable[Post], path: str | Path, format: str) -> int:
    """Write `posts` to `path` in `format` (JSON Lines for JSON formats, CSV with a header for "csv"),
    gzip-compressed when the path ends in `.gz`. Returns the number of posts written. A format whose
    records name posts and accounts in their own way (Bluesky's DIDs and `at://` URIs) first turns the
    posts into its own (`native`), so that what refers to what still holds when the file is read."""
    from backfire.sources import FORMATS

    module = FORMATS.get(format)
    if module is None:
        raise SourceError(f"Unknown format {format!r}; known formats: {', '.join(FORMATS)}")
    if hasattr(module, "native"):
        posts = module.native(posts)
    with _open_text(path) as out:
        if format == "csv":
            columns = list(getattr(module, "COLUMNS", ()))
            writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            count = 0
            for post in posts:
                writer.writerow(module.to_raw(post))
                count += 1
            return count
        count = 0
        for post in posts:
            out.write(json.dumps(module.to_raw(post), ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            count += 1
        return count


def _open_text(path: str | Path) -> IO[str]:
    if str(path).endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "wb"), encoding="utf-8", newline="")
    return open(path, "w", encoding="utf-8", newline="")

"""The registry of archive formats: every module registered in the "backfire.sources" entry-point group.

Built-in formats register exactly as plugins do (see pyproject.toml). A format module provides `NAME`,
`DESCRIPTION`, `sniff(raw)`, `to_post(raw)`, `iter_posts(raw)` and `to_raw(post)`; `records(raw)` is
optional (the reader uses it to quarantine one bad post of a multi-post record without losing the rest).
"""

from __future__ import annotations

import importlib
import warnings
from importlib.metadata import entry_points
from types import ModuleType

GROUP = "backfire.sources"
BUILTIN = {
    "twitter-v1": "backfire.sources.twitter_v1",
    "twitter-v2": "backfire.sources.twitter_v2",
    "jetstream": "backfire.sources.jetstream",
    "mastodon": "backfire.sources.mastodon",
    "csv": "backfire.sources.csv_source",
}
REQUIRED = ("NAME", "DESCRIPTION", "sniff", "to_post", "iter_posts", "to_raw")
# Specific formats are tried first when sniffing; CSV rows (any dict of strings) last.
PRIORITY = ("jetstream", "mastodon", "twitter-v1", "twitter-v2")


def load_formats() -> dict[str, ModuleType]:
    """Import every registered format module, keyed by entry-point name, built-ins first.

    A plugin that fails to import or lacks part of the interface is skipped with a warning; the
    built-ins are used even when the package metadata is missing (running from a source tree).
    """
    found = {name: target for name, target in BUILTIN.items()}
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, ep.value)
    formats: dict[str, ModuleType] = {}
    for name, target in found.items():
        try:
            module = importlib.import_module(target.split(":")[0])
        except Exception as exc:  # a broken plugin must not break every other format
            warnings.warn(f"Skipping source format {name!r}: cannot import {target}: {exc}", stacklevel=2)
            continue
        missing = [attr for attr in REQUIRED if not hasattr(module, attr)]
        if missing:
            warnings.warn(f"Skipping source format {name!r}: {target} lacks {', '.join(missing)}", stacklevel=2)
            continue
        formats[name] = module
    return formats


def sniff_order(formats: dict[str, ModuleType]) -> list[str]:
    """Format names in the order `detect_format` tries them: specific built-ins, plugins, then CSV."""
    first = [n for n in PRIORITY if n in formats]
    rest = [n for n in formats if n not in first and n != "csv"]
    return first + rest + (["csv"] if "csv" in formats else [])

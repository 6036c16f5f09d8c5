"""Where posts, verdicts, alarms, cursors and labels are kept. Only this package speaks SQL."""

from __future__ import annotations

from pathlib import Path

from backfire.store.base import AddResult, AuditEntry, CurationItem, Gap, Label, Store, User
from backfire.store.sqlite import SQLiteStore


def open_store(location: str | Path) -> Store:
    """Open (creating if needed) the store at `location`: a SQLite file path.

    A `postgresql://` URL names the shared store of the scale-out deployment, which this build does
    not include yet; it is refused with a clear message rather than silently using a file.
    """
    text = str(location)
    if text.startswith(("postgres://", "postgresql://")):
        raise NotImplementedError(
            "PostgreSQL stores are not available in this build; use a SQLite file path for --db"
        )
    path = Path(text)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStore(path)


__all__ = ["AddResult", "AuditEntry", "CurationItem", "Gap", "Label", "SQLiteStore", "Store", "User", "open_store"]

"""The `backfire` command line: parses, calls the library, prints. No logic lives here.

Each area registers its commands on the shared app in its own module.
"""

from __future__ import annotations

from backfire.cli import core, curate, explain, live, understand, warn  # noqa: F401  (registration by import)
from backfire.cli.app import app


def main() -> None:
    """Entry point of the `backfire` console script. A store that cannot be opened (a PostgreSQL server
    that is down or refuses the login) is one line on stderr and exit status 2, not a traceback."""
    from rich.markup import escape

    from backfire.cli.common import err
    from backfire.store import StoreUnavailable

    try:
        app()
    except StoreUnavailable as exc:
        err.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False)
        raise SystemExit(2) from None


__all__ = ["app", "main"]

"""The `backfire` command line: parses, calls the library, prints. No logic lives here.

Each area registers its commands on the shared app in its own module.
"""

from __future__ import annotations

from backfire.cli import core, curate, explain, live, understand, warn  # noqa: F401  (registration by import)
from backfire.cli.app import app


def main() -> None:
    """Entry point of the `backfire` console script."""
    app()


__all__ = ["app", "main"]

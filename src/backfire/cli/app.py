"""The Typer application every command module registers on. It holds no logic."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="backfire",
    help="Early warning when a hashtag campaign turns against its organiser.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

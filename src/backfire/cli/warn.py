"""Commands of the warn area: `simulate` writes a simulated campaign stream and its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from backfire.cli.app import app

err = Console(stderr=True)


@app.command()
def simulate(
    output: Annotated[Path, typer.Option("--output", "-o", help="Archive file to write (.gz compresses).")],
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="mynypd, demo, copycat, slow-burn, "
                                          "viral-success or steady-critics.")] = "mynypd",
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same stream.")] = 0,
    fmt: Annotated[str, typer.Option("--format", "-f", help="twitter-v1, twitter-v2, jetstream, mastodon "
                                     "or csv.")] = "twitter-v2",
    hours: Annotated[float, typer.Option("--hours", help="Length of the stream in hours.")] = 24.0,
    scale: Annotated[float, typer.Option("--scale", help="Multiply every rate (volume) by this.")] = 1.0,
    profile: Annotated[str | None, typer.Option("--profile", help="Organiser: police, airline, food, bank, "
                                                "city (default: the scenario's own).")] = None,
) -> None:
    """Simulate a campaign stream and write it as an archive, with the ground truth in FILE.truth.json."""
    from backfire.simulate import write_simulation

    try:
        sim, truth_path = write_simulation(scenario, seed, output, fmt, hours=hours, scale=scale, profile=profile)
    except ValueError as exc:
        err.print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(2) from exc
    onset = sim.truth.onset.isoformat() if sim.truth.onset else "none"
    err.print(f"Wrote {len(sim.posts):,} posts of scenario {sim.truth.scenario!r} (seed {seed}) to {output} "
              f"as {fmt}; ground truth (hijack onset {onset}) in {truth_path}.", highlight=False)

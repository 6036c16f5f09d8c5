"""Commands of the understand area: `train` rebuilds the default model, `label` stores a reviewer's correction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from backfire import settings
from backfire.cli.app import app
from backfire.understand.heads import SEED

err = Console(stderr=True)
out = Console()
STANCES = ("hostile", "neutral", "support")


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="The shared labelled data folder (../shared/data).")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where to write the weights (default: the shipped ones).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for splits and training.")] = SEED,
    tune: Annotated[bool, typer.Option("--tune/--no-tune",
                                       help="Fine-tune the encoder's adapter first (about 20 min on 2 cores).")] = True,
    adapter_from: Annotated[Path | None, typer.Option(
        "--adapter-from", help="Reuse the encoder adapter of this weights file instead of fine-tuning "
                               "(refits the heads only; the shipped file works).")] = None,
) -> None:
    """Rebuild the default model's weights from labelled data, deterministically, and print validation figures."""
    from backfire.training import data as datasets
    from backfire.training.train import train as run_training
    from backfire.training.tune import TuneConfig
    from backfire.understand.heads import WEIGHTS_DIR

    if not datasets.available(data):
        err.print(f"No labelled data under {data}: expected tweeteval/sentiment_train.csv. Pass --data ../shared/data.")
        raise typer.Exit(2)
    target = out_dir or WEIGHTS_DIR
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        tasks: dict[str, object] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task({"tune": "Fine-tuned encoder (batches)", "featurise": "Featurised texts",
                                            "fit": "Fitted heads"}.get(step, step),
                                           total=total)
            bar.update(tasks[step], completed=done, total=total)  # type: ignore[arg-type]

        figures = run_training(data, target, seed=seed, progress=progress, tune=TuneConfig() if tune else None,
                               adapter_from=adapter_from)
    table = Table(title=f"Validation figures (seed {seed})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:.4f}")
    out.print(table)
    err.print(f"Wrote {target / 'default.npz'} and {target / 'metrics.json'}.")


@app.command()
def label(
    post_key: Annotated[str, typer.Argument(help="The post's key, platform:id (e.g. twitter:4588...).")],
    stance: Annotated[str, typer.Option("--stance", help="hostile, neutral or support.")],
    campaign: Annotated[str, typer.Option("--campaign", help="The campaign the correction applies to.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who made the correction.")] = "cli",
    reason: Annotated[str, typer.Option("--reason", help="Why, in a few words.")] = "",
    db: str | None = settings.DB.option(),
) -> None:
    """Store a reviewer's stance correction for a post; later classification of the campaign adapts to it."""
    from backfire.store import open_store
    from backfire.store.base import Label

    if stance not in STANCES:
        err.print(f"Unknown stance {stance!r}: use one of {', '.join(STANCES)}.")
        raise typer.Exit(2)
    with open_store(settings.DB.resolve(db)) as store:
        if store.campaign(campaign) is None:
            err.print(f"No campaign {campaign!r} in the store; ingest it first with `backfire ingest --campaign`.")
            raise typer.Exit(2)
        if store.get_post(post_key) is None:
            err.print(f"No post {post_key!r} in the store; keys look like platform:id.")
            raise typer.Exit(2)
        store.add_label(Label(campaign=campaign, post_key=post_key, stance=stance, reviewer=reviewer,
                              reason=reason, at=datetime.now(UTC)))
        count = len(store.labels(campaign))
    err.print(f"Labelled {post_key} as {stance} for {campaign} ({count} corrections stored).")

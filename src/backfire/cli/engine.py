"""The engine options `ingest`, `classify` and `analyze` share: `--engine`, `--address`, `--workers`.

Parsing only: `backfire.scale` runs the jobs. Nothing here imports Ray; the in-process default never
imports `backfire.scale` either.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from backfire import settings
from backfire.cli.common import err
from backfire.ingest import IngestReport, Progress, ingest
from backfire.store import Store

if TYPE_CHECKING:
    from backfire.scale import RayOptions

ENGINES = ("in-process", "ray")


def ray_options(engine: str | None, address: str | None, workers: int | None) -> RayOptions | None:
    """The Ray options of a run with `--engine ray`; None for the in-process default. A bad engine name,
    or Ray asked for but not installed, ends the command with status 2 and says what to do."""
    name = str(settings.ENGINE.resolve(engine))
    if name not in ENGINES:
        err.print(f"[red]Error:[/red] unknown engine {name!r}: use {' or '.join(ENGINES)}.", highlight=False)
        raise typer.Exit(2)
    if name == "in-process":
        return None
    from backfire.scale import RayOptions, RayUnavailable, import_ray

    try:
        import_ray()
    except RayUnavailable as exc:
        err.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from exc
    count = int(settings.WORKERS.resolve(workers))
    return RayOptions(workers=count or None, address=str(settings.RAY_ADDRESS.resolve(address)) or None)


def ingest_on(store: Store, paths: Sequence[Path], campaign: str, fmt: str | None, progress: Progress,
              private: bool, ray: RayOptions | None, workers_write_to: str | None = None) -> IngestReport:
    """`ingest.ingest` in this process, or with the files read on Ray (`scale.ingest_with`), stored here or,
    given `workers_write_to` (the store's location), by the workers."""
    if ray is None:
        return ingest(store, paths, campaign, fmt, progress=progress, private=private)
    from backfire.scale import Engine, ingest_with

    return ingest_with(store, paths, campaign, Engine.RAY, ray, fmt, progress, private, workers_write_to)

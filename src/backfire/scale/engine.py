"""Where a job runs: in this process (the default) or on Ray, and the Ray session a job runs in.

Ray is an optional extra (`pip install 'backfire[scale]'`) and is imported only when the Ray engine is
asked for, so the default commands never pay for it. Without an address a local Ray is started on this
machine for the job (no dashboard, no usage statistics, a private temporary folder) and stopped after;
with one (`ray://host:10001`, `host:6379` or `auto`) the job joins that cluster and leaves it running.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType


class Engine(StrEnum):
    """How a job runs: `in-process` (one process, the default) or `ray`."""

    INPROCESS = "in-process"
    RAY = "ray"


class RayUnavailable(RuntimeError):
    """`--engine ray` was asked for without Ray installed."""


INSTALL_HINT = "pip install 'backfire[scale]'  (Ray with Ray Data)"


@dataclass(frozen=True)
class RayOptions:
    """workers: classifier actors and parallel file readers (default: the CPUs of this machine, or of the
    cluster). address: a running Ray cluster to join; None starts a local one for the job."""

    workers: int | None = None
    address: str | None = None

    def worker_count(self, ray: ModuleType) -> int:
        if self.workers is not None:
            return max(1, self.workers)
        return max(1, int(ray.cluster_resources().get("CPU", 1)))


def import_ray() -> ModuleType:
    """The `ray` module (with Ray Data), or `RayUnavailable` saying how to install it."""
    try:
        import ray
        import ray.data  # the engine needs Ray Data, not only Ray core
    except ModuleNotFoundError as exc:
        raise RayUnavailable(f"--engine ray needs Ray, which is not installed ({exc.name} is missing): "
                             f"{INSTALL_HINT}") from exc
    return ray


def threads_per_worker(workers: int) -> int:
    """Torch threads for each of `workers` classifier actors sharing this machine's cores."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


@contextmanager
def ray_session(options: RayOptions) -> Iterator[ModuleType]:
    """Ray, initialised for one job: joined at `options.address`, or a local Ray started (with
    `options.workers` CPUs, or all of them) and shut down on exit. An already initialised Ray (a caller
    running several jobs in one session) is used as it is and left running."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    temp: str | None = None
    kwargs: dict[str, object] = {"include_dashboard": False, "configure_logging": False, "log_to_driver": False,
                                 "logging_level": logging.WARNING}
    if options.address and options.address.startswith("ray://"):  # Ray Client: the cluster's own settings
        ray.init(address=options.address, logging_level=logging.WARNING)
    elif options.address:
        ray.init(address=options.address, **kwargs)
    else:
        temp = tempfile.mkdtemp(prefix="bf-ray-", dir="/tmp" if os.path.isdir("/tmp") else None)
        cpus = options.workers or os.cpu_count() or 1
        ray.init(num_cpus=max(1, cpus), _temp_dir=temp, **kwargs)
    _quiet_ray_data(ray)
    try:
        yield ray
    finally:
        ray.shutdown()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def _quiet_ray_data(ray: ModuleType) -> None:
    """Keep Ray Data's progress bars, log lines and warnings off stderr (our CLI prints its own)."""
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)

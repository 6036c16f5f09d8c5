"""Scale-out: the same library functions on Ray (`--engine ray`), the in-process path staying the default.

`run_ingest`, `run_classify` and `run_analyze` run a job on either engine and return the in-process
result with its timing. On Ray, Ray Data reads the archive files in parallel (`ray_ingest`), an actor pool
classifies the distinct texts with the model loaded once per actor (`ray_classify`), and detection runs
per campaign in a Ray task beside the store (`ray_detect`); `replay` is how the in-process decisions
(which texts to classify, reposts, threads, owners) stay exactly those of the in-process run. Ray is
imported only when the Ray engine runs (`engine.import_ray`).
"""

from __future__ import annotations

from backfire.scale.engine import Engine, RayOptions, RayUnavailable, import_ray, ray_session
from backfire.scale.run import (
    AnalyzeRun,
    ClassifyRun,
    IngestRun,
    Timing,
    ingest_with,
    run_analyze,
    run_classify,
    run_ingest,
)

__all__ = ["AnalyzeRun", "ClassifyRun", "Engine", "IngestRun", "RayOptions", "RayUnavailable", "Timing",
           "import_ray", "ingest_with", "ray_session", "run_analyze", "run_classify", "run_ingest"]

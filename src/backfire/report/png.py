"""PNG charts for slides: the report's own figures (`report.charts`, `report.cascade_chart`) saved as PNG.

>>> import tempfile
>>> from pathlib import Path
>>> data = {"timeline": [], "bin_minutes": 10, "alarms": [], "explain": None}
>>> with tempfile.TemporaryDirectory() as tmp:
...     [p.name for p in write_pngs(data, Path(tmp))]
['timeline.png', 'cascade.png']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from backfire.report.cascade_chart import cascade_figure, narratives_figure
from backfire.report.charts import timeline_figure

DPI = 200  # sharp on a projected slide (the 11-inch figures come out 2,200 pixels wide)


def _save(fig: Figure, path: Path) -> Path:
    try:
        fig.savefig(path, format="png", dpi=DPI, facecolor="white")
    finally:
        plt.close(fig)
    return path


def write_pngs(data: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write `timeline.png`, `cascade.png` and, when there are narratives, `narratives-hostile.png` and
    `narratives-support.png` for `data` (as made by `report.data.overview`) into `out_dir`; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ex = data.get("explain") or {}
    paths = [_save(timeline_figure(data), out_dir / "timeline.png"),
             _save(cascade_figure((ex.get("cascade") or {}).get("trigger_tree")), out_dir / "cascade.png")]
    narr = ex.get("narratives") or {}
    for side, title in (("hostile", "Hostile narratives over time"), ("support", "Supportive narratives over time")):
        if narr.get(side):
            paths.append(_save(narratives_figure(narr[side], narr["bin_minutes"], title),
                               out_dir / f"narratives-{side}.png"))
    return paths

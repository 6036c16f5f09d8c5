"""The static, self-contained HTML report: one file, charts inlined, every user-written text escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from backfire import __version__
from backfire.model import Campaign
from backfire.report.cascade_chart import cascade_svg, narratives_svg
from backfire.report.charts import timeline_svg
from backfire.report.data import overview
from backfire.store import Store

_env = Environment(
    loader=PackageLoader("backfire.report", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
)


def render_report(data: dict[str, Any]) -> str:
    """The report page for `data` (as made by `report.data.overview`)."""
    return _env.get_template("report.html.j2").render(
        d=data,
        c=data["campaign"],
        chart=timeline_svg(data),
        pictures=explain_pictures(data.get("explain")),
        version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def explain_pictures(ex: dict[str, Any] | None) -> dict[str, str]:
    """The explanation's SVG pictures: the trigger's cascade and the narratives over time."""
    if not ex:
        return {}
    pictures = {"cascade": cascade_svg(ex["cascade"].get("trigger_tree"))}
    narr = ex.get("narratives") or {}
    for side, title in (("hostile", "Hostile narratives over time"), ("support", "Supportive narratives over time")):
        if narr.get(side):
            pictures[side] = narratives_svg(narr[side], narr["bin_minutes"], title)
    return pictures


def write_report(store: Store, campaign: Campaign, out_dir: Path, embed: Any = None,
                 png: Path | None = None) -> Path:
    """Write `index.html` (and `report.json`, its JSON twin) for `campaign` into `out_dir`; with `png`, the
    charts as PNG files for slides into that folder too (`report.png.write_pngs`)."""
    data = overview(store, campaign, embed=embed)
    if png is not None:
        from backfire.report.png import write_pngs

        write_pngs(data, png)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    path = out_dir / "index.html"
    path.write_text(render_report(data), encoding="utf-8")
    return path


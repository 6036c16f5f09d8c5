"""Charts for the report, drawn with matplotlib and inlined as SVG so the HTML stands alone."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

COLOURS = {"support": "#2e8b57", "neutral": "#9aa5b1", "hostile": "#c0392b"}
MIN_POSTS_FOR_SHARE = 10
SEVERITY_COLOURS = {"watch": "#e6a23c", "warning": "#e67e22", "critical": "#8e1b10"}


def _time(text: str) -> float:
    """An ISO time as a matplotlib date number."""
    return float(mdates.date2num(datetime.fromisoformat(text.replace("Z", "+00:00"))))


def timeline_figure(data: dict[str, Any]) -> Figure:
    """Stacked posts per bin by stance, the hostile share on a second axis, alarms as vertical lines."""
    bins = data["timeline"]
    fig, ax = plt.subplots(figsize=(11, 4.2), dpi=100)
    if not bins:
        ax.text(0.5, 0.5, "No posts yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    times = [_time(b["start"]) for b in bins]
    width = data["bin_minutes"] / (24 * 60) * 0.9
    bottom = [0] * len(bins)
    for stance in ("support", "neutral", "hostile"):
        values = [b[stance] for b in bins]
        ax.bar(times, values, width=width, bottom=bottom, color=COLOURS[stance], label=stance, align="edge")
        bottom = [x + y for x, y in zip(bottom, values, strict=True)]
    ax.set_ylabel(f"posts per {data['bin_minutes']} min")
    share = ax.twinx()
    # a share over a handful of posts is noise: leave sparse bins out of the line
    shares = [b["hostile_share"] if b["total"] >= MIN_POSTS_FOR_SHARE else float("nan") for b in bins]
    share.plot(times, shares, color="#222", linewidth=1.4,
               label=f"hostile share (bins of {MIN_POSTS_FOR_SHARE}+ posts)")
    share.set_ylim(0, 1)
    share.set_ylabel("hostile share")
    span_hours = (times[-1] - times[0]) * 24
    for alarm in data["alarms"]:
        ax.axvline(_time(alarm["at"]), color=SEVERITY_COLOURS.get(alarm["severity"], "#000"),
                   linestyle="--", linewidth=1.6)
    for at, severities in _alarm_labels(data["alarms"], span_hours / 24 * 0.03):
        ax.annotate("alarm: " + " → ".join(severities), xy=(at, 1.0), xycoords=("data", "axes fraction"),
                    rotation=90, va="top", ha="right", fontsize=8)
    ax.xaxis.set_major_locator(mdates.HourLocator(interval=max(1, int(span_hours // 8))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    ax.set_xlabel("time (UTC)")
    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = share.get_legend_handles_labels()
    ax.legend(handles + h2, labels + l2, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, fontsize=8,
              frameon=False)
    ax.spines["top"].set_visible(False)
    fig.tight_layout()
    return fig


def timeline_svg(data: dict[str, Any]) -> str:
    return _svg(timeline_figure(data))


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _alarm_labels(alarms: list[dict[str, Any]], gap_days: float) -> list[tuple[float, list[str]]]:
    """One label per group of alarms closer than `gap_days` to the group's first (labels would overlap).

    >>> _alarm_labels([{"at": "2014-04-22T19:49:00Z", "severity": "watch"},
    ...                {"at": "2014-04-22T19:55:00Z", "severity": "warning"}], 0.03)[0][1]
    ['watch', 'warning']
    """
    groups: list[tuple[float, list[str]]] = []
    for alarm in alarms:
        at = _time(alarm["at"])
        if groups and at - groups[-1][0] < gap_days:
            groups[-1][1].append(alarm["severity"])
        else:
            groups.append((at, [alarm["severity"]]))
    return groups

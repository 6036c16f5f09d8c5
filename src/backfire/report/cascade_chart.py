"""Pictures of the explanation for the report, inlined as SVG: the trigger's cascade over time and the
narratives' sizes over time."""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from backfire.report.charts import COLOURS, _svg


def tree_rows(nodes: list[dict[str, Any]]) -> dict[str, int]:
    """A row per post, depth first, so each post's reposts and answers sit just under it.

    >>> tree_rows([{"id": "a", "parent": None}, {"id": "b", "parent": "a"}, {"id": "c", "parent": None},
    ...            {"id": "d", "parent": "b"}])
    {'a': 0, 'b': 1, 'd': 2, 'c': 3}
    """
    children: dict[str | None, list[str]] = {}
    for n in nodes:
        children.setdefault(n["parent"], []).append(n["id"])
    rows: dict[str, int] = {}
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        rows[node] = len(rows)
        stack.extend(reversed(children.get(node, [])))
    for n in nodes:  # a post whose parent fell beyond the shown ones
        rows.setdefault(n["id"], len(rows))
    return rows


def cascade_figure(tree: dict[str, Any] | None) -> Figure:
    """The trigger's tree: each post a dot at its time (minutes after the trigger's post) coloured by
    stance and sized by followers, joined to what it reposts or answers; the onset as a dashed line."""
    fig, ax = plt.subplots(figsize=(11, 4.6), dpi=100)
    if not tree or not tree["nodes"]:
        ax.text(0.5, 0.5, "No trigger cascade in this window", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    nodes = tree["nodes"]
    rows = tree_rows(nodes)
    at = {n["id"]: (n["minutes"], rows[n["id"]]) for n in nodes}
    last: dict[str, int] = {}  # each parent's lowest child row: one vertical spine per parent
    for n in nodes:
        if n["parent"] in at:
            last[n["parent"]] = max(last.get(n["parent"], 0), at[n["id"]][1])
            if n["kind"] != "repost":  # answers and quotes: a branch from the parent's time
                (x0, _), (x1, y1) = at[n["parent"]], at[n["id"]]
                ax.plot([x0, x1], [y1, y1], color="#9aa5b1", linewidth=0.6, zorder=1)
    for parent, row in last.items():
        x0, y0 = at[parent]
        ax.plot([x0, x0], [y0, row], color="#9aa5b1", linewidth=0.8, zorder=1)
    for stance in ("support", "neutral", "hostile", "unclassified"):
        group = [n for n in nodes if n["stance"] == stance]
        if group:
            ax.scatter([at[n["id"]][0] for n in group], [at[n["id"]][1] for n in group],
                       s=[6 + 6 * math.log10(1 + n["followers"]) ** 1.5 for n in group],
                       color=COLOURS.get(stance, "#444"), label=stance, zorder=2, edgecolors="none")
    root = nodes[0]
    ax.annotate(f"@{tree['author']}", (root["minutes"], at[root["id"]][1]), xytext=(6, -4),
                textcoords="offset points", fontsize=9, weight="bold")
    if tree.get("onset_minutes") is not None:
        ax.axvline(tree["onset_minutes"], color="#e67e22", linestyle="--", linewidth=1.2, label="onset")
    ax.invert_yaxis()
    ax.set_yticks([])
    ax.set_xlabel("minutes after the trigger's post")
    shown = f"{tree['shown']:,} of {tree['size']:,}" if tree["shown"] < tree["size"] else f"{tree['size']:,}"
    ax.set_title(f"{shown} posts of the cascade, one row each under what they repost or answer "
                 "(dot size: followers; branches: answers and quotes)", fontsize=10, loc="left")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def cascade_svg(tree: dict[str, Any] | None) -> str:
    return _svg(cascade_figure(tree))


def narratives_figure(groups: list[dict[str, Any]], bin_minutes: int, title: str) -> Figure:
    """Posts per bin of each narrative, one line each, labelled by its first key terms."""
    fig, ax = plt.subplots(figsize=(11, 3.4), dpi=100)
    if not groups:
        ax.text(0.5, 0.5, "No narratives", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    palette = plt.get_cmap("tab10")
    for i, g in enumerate(groups[:8]):
        hours = [k * bin_minutes / 60 for k in range(len(g["over_time"]))]
        ax.plot(hours, g["over_time"], color=palette(i % 10), linewidth=1.6,
                label=f"{i + 1}. {', '.join(g['terms'][:3])} ({g['size']:,})")
    ax.set_xlabel("hours from the window's start")
    ax.set_ylabel(f"posts per {bin_minutes} min")
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def narratives_svg(groups: list[dict[str, Any]], bin_minutes: int, title: str) -> str:
    return _svg(narratives_figure(groups, bin_minutes, title))

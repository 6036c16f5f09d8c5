"""Export the cascade and account graphs: dynamic GEXF 1.3 for Gephi (networkx's writer, its 1.2draft
output moved to the 1.3 namespace), and the graph as JSON Lines or CSV (one edge per row, with both
ends' attributes).

Each node's and edge's `start` is its time (seconds since the epoch, `timeformat="double"`), so Gephi's
timeline replays the cascade; stance, p_hostile, reach and the rest are attributes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, TextIO

import networkx as nx

GEXF_NS = "http://gexf.net/1.3"


def gexf_text(g: nx.DiGraph) -> str:
    """`g` as a dynamic GEXF 1.3 document."""
    h = nx.DiGraph()
    for node, data in g.nodes(data=True):
        h.add_node(node, label=data.get("author", node), start=float(data["ts"]), **_plain(data, {"ts"}))
    for a, b, data in g.edges(data=True):
        h.add_edge(a, b, start=float(data["ts"]), **_plain(data, {"ts"}))
    buf = io.BytesIO()
    nx.write_gexf(h, buf, version="1.2draft")
    text = buf.getvalue().decode("utf-8")
    return (text.replace("http://www.gexf.net/1.2draft/viz", f"{GEXF_NS}/viz")
            .replace("http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd",
                     f"{GEXF_NS} {GEXF_NS}/gexf.xsd")
            .replace("http://www.gexf.net/1.2draft", GEXF_NS)
            .replace('version="1.2"', 'version="1.3"'))


def _plain(data: dict[str, Any], skip: set[str]) -> dict[str, Any]:
    """Attributes GEXF can hold (no None; numbers, strings, booleans)."""
    return {k: v for k, v in data.items() if k not in skip | {"label", "start", "end"} and v is not None}


def edge_rows(g: nx.DiGraph) -> Iterator[dict[str, Any]]:
    """One row per edge: source, target, the edge's attributes and both ends' (prefixed)."""
    for a, b, data in g.edges(data=True):
        row: dict[str, Any] = {"source": a, "target": b, **{k: v for k, v in data.items() if k != "ts"}}
        for prefix, node in (("source_", a), ("target_", b)):
            row.update({prefix + k: v for k, v in g.nodes[node].items() if k not in ("ts", "text")})
        yield row


def write_graph(g: nx.DiGraph, out: TextIO, fmt: str) -> int:
    """Write `g` as gexf, jsonl (a line per node, then a line per edge) or csv (edges); return the rows."""
    if fmt == "gexf":
        out.write(gexf_text(g))
        return g.number_of_nodes() + g.number_of_edges()
    if fmt == "jsonl":
        for node, data in g.nodes(data=True):
            out.write(json.dumps({"type": "node", "id": node, **data}, ensure_ascii=False) + "\n")
        for a, b, data in g.edges(data=True):
            out.write(json.dumps({"type": "edge", "source": a, "target": b, **data}, ensure_ascii=False) + "\n")
        return g.number_of_nodes() + g.number_of_edges()
    if fmt != "csv":
        raise ValueError(f"unknown graph format {fmt!r}; use gexf, jsonl or csv")
    rows = list(edge_rows(g))
    fields = list(dict.fromkeys(k for row in rows for k in row)) or ["source", "target"]
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    return len(rows)

// backfire dashboard: draws the campaign timeline from the page's JSON twin and redraws it when the
// server's event stream says the store changed. No inline script (the CSP forbids it); text only via
// textContent, never innerHTML.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = { support: "#27ae60", neutral: "#bdc3c7", hostile: "#c0392b", unclassified: "#f1c40f" };

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

function pct(v) { return v === null || v === undefined ? "–" : Math.round(v * 100) + "%"; }

function draw(box, data) {
  const bins = data.timeline.bins;
  const width = 1000, height = 240, pad = 24;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "posts per bin by stance" });
  const top = Math.max(1, ...bins.map((b) => b.total));
  const step = bins.length ? (width - 2 * pad) / bins.length : 0;
  bins.forEach((b, i) => {
    let y = height - pad;
    for (const stance of ["support", "neutral", "unclassified", "hostile"]) {
      const h = (b[stance] / top) * (height - 2 * pad);
      if (h <= 0) continue;
      y -= h;
      const r = el("rect", { x: pad + i * step, y, width: Math.max(1, step - 1), height: h, fill: COLOURS[stance] }, svg);
      el("title", {}, r).textContent = `${b.start}: ${b[stance]} ${stance}`;
    }
  });
  const t0 = data.timeline.start ? Date.parse(data.timeline.start) : 0;
  const span = data.timeline.bin_seconds ? data.timeline.bin_seconds * 1000 * bins.length : 0;
  for (const a of data.alarms) {
    const at = Date.parse(a.at);
    if (!span || at < t0 || at > t0 + span) continue;
    const x = pad + ((at - t0) / span) * (width - 2 * pad);
    const line = el("line", { x1: x, x2: x, y1: pad / 2, y2: height - pad, stroke: "#6c3483", "stroke-width": 2,
                               class: "alarm-marker" }, svg);
    el("title", {}, line).textContent = `${a.severity} alarm at ${a.at}`;
  }
  const first = bins.length ? bins[0].start : "", last = bins.length ? bins[bins.length - 1].start : "";
  el("text", { x: pad, y: height - 6, "font-size": 11 }, svg).textContent = first;
  el("text", { x: width - pad, y: height - 6, "font-size": 11, "text-anchor": "end" }, svg).textContent = last;
  box.replaceChildren(svg);
  box.dataset.total = String(data.posts);
  const set = (id, text) => { const n = document.getElementById(id); if (n) n.textContent = text; };
  set("posts-count", data.posts.toLocaleString("en"));
  set("hostile-now", pct(data.hostile_share.now));
  const o = data.timeline.outliers;
  set("outliers", o && (o.before || o.after) ? `Outliers left out of the chart: ${o.before} before, ${o.after} after.` : "");
}

async function refresh(box) {
  const response = await fetch(box.dataset.src, { credentials: "same-origin", headers: { accept: "application/json" } });
  if (response.ok) draw(box, await response.json());
}

function live(box) {
  const status = document.getElementById("live");
  const source = new EventSource(box.dataset.events);
  let pending = false;
  source.addEventListener("update", () => {
    if (pending) return;
    pending = true;
    refresh(box).finally(() => { pending = false; if (status) status.textContent = "live · updated " + new Date().toLocaleTimeString(); });
  });
  source.addEventListener("error", () => { if (status) status.textContent = "reconnecting…"; });
}

function placeholders() {
  for (const img of document.querySelectorAll("img.media")) {
    const swap = () => {
      const div = document.createElement("div");
      div.className = "placeholder";
      div.textContent = "image not reachable";
      img.replaceWith(div);
    };
    if (img.complete && img.naturalWidth === 0) swap();
    else img.addEventListener("error", swap);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("timeline");
  if (box) { refresh(box); live(box); }
  placeholders();
});

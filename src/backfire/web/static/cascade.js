// backfire dashboard: the trigger's cascade, interactive. Reads the stored tree from the campaign page's
// JSON twin (explanation.tree: nodes with parent, author, time, stance, reach, text) and draws each post
// at its time (x) and its row in the tree (y, depth first: a post's reposts and answers just under it),
// coloured by stance and sized by reach. Wheel zooms, dragging pans, a click shows the post and can focus
// its branch. Post data only ever goes in via textContent or attributes, never innerHTML. Without
// JavaScript the page keeps the static picture.
"use strict";

(() => {
  const NS = "http://www.w3.org/2000/svg";
  const STANCE = { support: "#27ae60", neutral: "#95a5a6", hostile: "#c0392b", unclassified: "#f1c40f" };
  const W = 1000, H = 420, PAD = 30;

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function rows(nodes) {  // depth-first order: the same layout as the static picture (report/cascade_chart.py)
    const kids = new Map(), ids = new Set(nodes.map((n) => n.id)), row = new Map();
    for (const n of nodes) {
      const p = n.parent !== null && ids.has(n.parent) ? n.parent : null;
      if (!kids.has(p)) kids.set(p, []);
      kids.get(p).push(n.id);
    }
    const stack = [...(kids.get(null) || [])].reverse();
    while (stack.length) {
      const id = stack.pop();
      row.set(id, row.size);
      stack.push(...[...(kids.get(id) || [])].reverse());
    }
    return { row, kids };
  }

  function branch(kids, id) {
    const out = new Set([id]), stack = [id];
    while (stack.length) for (const k of kids.get(stack.pop()) || []) { out.add(k); stack.push(k); }
    return out;
  }

  function draw(box, tree) {
    const nodes = tree.nodes;
    const { row, kids } = rows(nodes);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const maxX = Math.max(1, ...nodes.map((n) => n.minutes || 0)), maxY = Math.max(1, row.size - 1);
    const X = (m) => PAD + ((m || 0) / maxX) * (W - 2 * PAD), Y = (r) => PAD + (r / maxY) * (H - 2 * PAD);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "the trigger's cascade, interactive" });
    const edges = el("g", { class: "edges" }, svg), dots = el("g", { class: "nodes" }, svg);
    for (const n of nodes) {
      const p = byId.get(n.parent);
      if (!p) continue;
      // reposts hang on their parent's spine; answers and quotes branch out to their own time
      const d = `M${X(p.minutes)},${Y(row.get(p.id))} V${Y(row.get(n.id))}` + (n.kind === "repost" ? "" : ` H${X(n.minutes)}`);
      el("path", { d, fill: "none", stroke: "#b0b8c1", "stroke-width": 0.6, "data-id": n.id }, edges);
    }
    for (const n of nodes) {
      const r = 1.5 + 1.2 * Math.log10(1 + (n.reach || 0));
      const c = el("circle", { cx: X(n.minutes), cy: Y(row.get(n.id)), r, fill: STANCE[n.stance] || "#444",
                               "data-id": n.id, class: "node", tabindex: 0 }, dots);
      el("title", {}, c).textContent = `@${n.author} · ${n.stance || "?"} · ${n.at || n.minutes + " min"}`;
    }
    if (tree.onset_minutes !== null && tree.onset_minutes !== undefined && tree.onset_minutes <= maxX) {
      el("line", { x1: X(tree.onset_minutes), x2: X(tree.onset_minutes), y1: 4, y2: H - 4, stroke: "#e67e22",
                   "stroke-dasharray": "5 4", class: "onset" }, svg);
    }
    box.replaceChildren(svg);
    box.dataset.nodes = String(nodes.length);

    const view = { x: 0, y: 0, w: W, h: H };
    const apply = () => svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
    const fit = (ids) => {
      const xs = [], ys = [];
      for (const id of ids) { const n = byId.get(id); xs.push(X(n.minutes)); ys.push(Y(row.get(id))); }
      const x0 = Math.min(...xs) - 20, x1 = Math.max(...xs) + 20, y0 = Math.min(...ys) - 20, y1 = Math.max(...ys) + 20;
      Object.assign(view, { x: x0, y: y0, w: Math.max(60, x1 - x0), h: Math.max(40, y1 - y0) });
      apply();
    };
    const shade = (ids) => {
      for (const c of dots.children) c.classList.toggle("faded", ids !== null && !ids.has(c.dataset.id));
      for (const e of edges.children) e.classList.toggle("faded", ids !== null && !ids.has(e.dataset.id));
    };
    svg.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const box2 = svg.getBoundingClientRect(), k = ev.deltaY > 0 ? 1.2 : 1 / 1.2;
      const fx = (ev.clientX - box2.left) / box2.width, fy = (ev.clientY - box2.top) / box2.height;
      const nw = view.w * k, nh = view.h * k;
      Object.assign(view, { x: view.x + (view.w - nw) * fx, y: view.y + (view.h - nh) * fy, w: nw, h: nh });
      apply();
    }, { passive: false });
    let drag = null;
    svg.addEventListener("pointerdown", (ev) => { drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y }; });
    svg.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const b = svg.getBoundingClientRect();
      view.x = drag.vx - ((ev.clientX - drag.x) / b.width) * view.w;
      view.y = drag.vy - ((ev.clientY - drag.y) / b.height) * view.h;
      apply();
    });
    for (const end of ["pointerup", "pointerleave"]) svg.addEventListener(end, () => { drag = null; });

    const info = document.getElementById("cascade-post");
    let chosen = null;
    const show = (id) => {
      const n = byId.get(id);
      if (!n || !info) return;
      chosen = id;
      const set = (cls, text) => { const f = info.querySelector(cls); if (f) f.textContent = text; };
      set(".author", "@" + n.author);
      set(".when", n.at || `${n.minutes} min after the trigger`);
      set(".stance", `${n.stance || "unclassified"} · ${(n.reach || 0).toLocaleString("en")} followers · ${n.kind || ""}`);
      set(".text", n.text || "(text not stored)");
      info.hidden = false;
    };
    dots.addEventListener("mouseover", (ev) => { if (ev.target.dataset.id) show(ev.target.dataset.id); });
    dots.addEventListener("click", (ev) => { if (ev.target.dataset.id) show(ev.target.dataset.id); });
    const button = (id, fn) => { const b = document.getElementById(id); if (b) { b.hidden = false; b.addEventListener("click", fn); } };
    button("cascade-whole", () => { Object.assign(view, { x: 0, y: 0, w: W, h: H }); apply(); shade(null); });
    button("cascade-trigger", () => { const ids = branch(kids, nodes[0].id); shade(ids); fit([...ids].slice(0, 400)); show(nodes[0].id); });
    button("cascade-branch", () => { if (chosen === null) return; const ids = branch(kids, chosen); shade(ids); fit(ids); });
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const box = document.getElementById("cascade-view");
    if (!box) return;
    const response = await fetch(box.dataset.src, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (!response.ok) return;
    const tree = ((await response.json()).explanation || {}).tree;
    if (!tree || !tree.nodes || !tree.nodes.length) return;
    draw(box, tree);
    box.hidden = false;
    const still = document.getElementById("cascade");
    if (still) still.hidden = true;  // the static picture stays for readers without JavaScript
  });
})();

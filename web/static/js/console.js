// The console's graph view: nodes, relationships and paths found in the result rows, drawn with Cytoscape.

import { t } from "./words.js";
const panel = document.getElementById("result-graph");
const rows = JSON.parse(panel.dataset.elements || "[]");
const nodes = new Map();
const edges = new Map();

function visit(value) {
  if (Array.isArray(value)) { value.forEach(visit); return; }
  if (!value || typeof value !== "object") return;
  if (value._kind === "node") {
    const key = value.properties.id || value.properties.key || value.id;
    nodes.set(value.id, { data: { id: value.id, caption: `${value.labels.join(":")} ${key}` } });
  } else if (value._kind === "relationship") {
    edges.set(value.id, { data: { id: value.id, source: value.start, target: value.end, caption: value.type } });
  } else if (value._kind === "path") {
    value.nodes.forEach(visit);
    value.relationships.forEach(visit);
  } else {
    Object.values(value).forEach(visit);
  }
}
rows.forEach(visit);
let cy = null;
document.addEventListener("tab-shown", (event) => {
  if (event.detail !== "result-graph" || cy) return;
  const elements = [...nodes.values(), ...[...edges.values()].filter((e) => nodes.has(e.data.source) && nodes.has(e.data.target))];
  cy = window.cytoscape({
    container: panel, elements,
    style: [
      { selector: "node", style: { label: "data(caption)", "font-size": 9, "background-color": "#5b8def", width: 16, height: 16 } },
      { selector: "edge", style: { label: "data(caption)", "font-size": 7, width: 1, "line-color": "#aaa", "curve-style": "bezier",
                                   "target-arrow-shape": "triangle", "target-arrow-color": "#aaa" } },
    ],
    layout: { name: elements.length > 300 ? "grid" : "cose", animate: false },
  });
  window.consoleCy = cy;
  if (!elements.length) panel.textContent = t("The result has no nodes or relationships to draw.");
});

// How the explorer draws: colours (tier colours come from app.css, so the legend and the canvas agree), node
// captions (name first, id second), sizes, and the Cytoscape stylesheet.

const css = getComputedStyle(document.documentElement);
const cssColour = (name, fallback) => (css.getPropertyValue(name) || "").trim() || fallback;

export const COLOURS = {
  Client: cssColour("--graph-client", "#f2c14e"),
  Team: cssColour("--graph-team", "#4a5568"),
  Staff: cssColour("--graph-staff", "#8a94a6"),
  risk: cssColour("--graph-risk", "#c81e1e"),
  path: cssColour("--graph-path", "#e4572e"),
  link: "#b8bec9",
};

/** Tier key -> {name, level, colour, index}; filled from the page (the store's tiers, in stage order). */
export const tiers = new Map();

export function setTiers(list) {
  tiers.clear();
  list.forEach((t, i) => {
    const index = (i % 6) + 1;
    tiers.set(t.key, { ...t, index, colour: cssColour(`--tier-${index}`, "#777") });
  });
}

export const tierName = (key) => (tiers.get(key) || {}).name || key || "";

const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
export const formatValue = (v) => (v === null || v === undefined ? "no value" : money.format(v));

const short = (text, n) => (text && text.length > n ? `${text.slice(0, n - 1)}…` : text || "");

export function nodeId(label, key) { return `${label}:${key}`; }

/** Cytoscape data for a node card from the server. */
export function nodeData(card) {
  const { label, key } = card;
  let colour = COLOURS[label] || "#999";
  if (label === "Staff" && tiers.has(card.tier)) colour = tiers.get(card.tier).colour;
  if (label === "Tier" && tiers.has(key)) colour = tiers.get(key).colour;
  const value = Number(card.value) || 0;
  const size = label === "Client" ? 22 + Math.min(30, Math.sqrt(value) / 60) : label === "Tier" ? 34 : label === "Team" ? 28 : 22;
  const name = card.name || key;
  let second = key;
  if (label === "Client" && card.risk > 0) second = `${key} · risk ${card.risk}`;
  if (label === "Staff" && card.left) second = `${key} · left`;
  const caption = label === "Tier" ? `${short(name, 24)}\n(tier)` : `${short(name, 22)}\n${second}`;
  return { ...card, id: nodeId(label, key), caption, colour, size, risk: card.risk || 0 };
}

/** Cytoscape data for a relationship between two loaded nodes. */
export function edgeData(centreId, n) {
  const otherId = nodeId(n.node.label, n.node.key);
  const [source, target] = n.outgoing ? [centreId, otherId] : [otherId, centreId];
  const id = `${source}|${n.type}|${n.tier || ""}|${target}`;
  const data = { id, source, target, type: n.type, tier: n.tier, role: n.role, colour: COLOURS.link, caption: "" };
  if (n.type === "COVERS") {
    data.colour = tiers.has(n.tier) ? tiers.get(n.tier).colour : COLOURS.Staff;
    data.caption = tierName(n.tier) + (n.role === "backup" ? " (backup)" : "");
  }
  return data;
}

export const stylesheet = [
  { selector: "node", style: {
      label: "data(caption)", "font-size": 10, "text-wrap": "wrap", "text-valign": "bottom", "text-margin-y": 3,
      "text-background-color": "#ffffff", "text-background-opacity": 0.75, "text-background-padding": 1,
      "background-color": "data(colour)", width: "data(size)", height: "data(size)", "min-zoomed-font-size": 6,
      "border-width": 1, "border-color": "#ffffff", "z-index": 10, "z-index-compare": "manual" } },
  { selector: "node[label = 'Client']", style: { shape: "round-rectangle" } },
  { selector: "node[label = 'Team']", style: { shape: "hexagon" } },
  { selector: "node[label = 'Tier']", style: { shape: "diamond" } },
  { selector: "node[label = 'Staff'][?left]", style: { opacity: 0.6 } },
  { selector: "node[risk > 0]", style: { "border-width": "mapData(risk, 1, 12, 3, 7)", "border-color": COLOURS.risk } },
  { selector: "node[label = 'More']", style: {
      shape: "round-rectangle", "background-color": "#ffffff", "border-style": "dashed", "border-width": 1.5,
      "border-color": "#4b5563", width: 26, height: 18, "text-valign": "center", "text-margin-y": 0, "font-size": 10,
      "text-background-opacity": 0, label: "data(caption)", "text-halign": "right", "text-margin-x": 4 } },
  { selector: "node.lane", style: {
      shape: "round-rectangle", "background-color": "data(colour)", "background-opacity": 0.07, "border-width": 1,
      "border-color": "data(colour)", "border-opacity": 0.35, width: "data(w)", height: "data(h)", label: "data(caption)",
      "text-valign": "top", "text-halign": "center", "text-margin-y": "data(margin)", "font-size": "data(font)", "font-weight": "bold",
      color: "#374151", "text-background-opacity": 0, "min-zoomed-font-size": 0, events: "no", "z-index": 0 } },
  { selector: "node.pinned", style: { "border-style": "double", "border-width": 5, "border-color": "#111827" } },
  { selector: "node:selected", style: { "overlay-color": "#111827", "overlay-opacity": 0.18, "overlay-padding": 4 } },
  { selector: "edge", style: {
      width: 1, "line-color": "data(colour)", "curve-style": "haystack", opacity: 0.7, "z-index": 1, "z-index-compare": "manual" } },
  { selector: "edge[type = 'COVERS']", style: {
      width: 2.2, "curve-style": "bezier", "control-point-step-size": 18, opacity: 0.9, label: "data(caption)",
      "font-size": 8, color: "#374151", "text-rotation": "autorotate", "text-background-color": "#ffffff",
      "text-background-opacity": 0.85, "min-zoomed-font-size": 7 } },
  { selector: "edge[role = 'backup']", style: { "line-style": "dashed" } },
  { selector: "edge[type = 'IN_TIER'], edge[type = 'REPORTS_TO']", style: { "line-style": "dotted" } },
  { selector: "edge[type = 'MORE']", style: { "line-style": "dotted", "line-color": "#6b7280" } },
  // Many links: they step back so names and risk read first; the selected node's own links come forward.
  { selector: "edge.quiet", style: { opacity: 0.3 } },
  { selector: "edge.path", style: {
      width: 5, "line-color": COLOURS.path, "curve-style": "bezier", opacity: 1, label: "data(caption)", "font-size": 10,
      "font-weight": "bold", color: COLOURS.path, "text-rotation": "autorotate", "text-background-color": "#ffffff",
      "text-background-opacity": 0.9, "z-index": 20, "min-zoomed-font-size": 0 } },
  { selector: "edge.lit", style: { opacity: 1, width: 3, "z-index": 15 } },
  { selector: "node.on-path", style: { "overlay-color": COLOURS.path, "overlay-opacity": 0.25, "overlay-padding": 6 } },
  { selector: ".faded", style: { opacity: 0.1, "text-opacity": 0.15 } },
  { selector: ".hidden", style: { display: "none" } },
];

// Layouts. The default, "swim lanes", puts each kind of node in a labelled band, in stage order: teams, then the
// staff of the first stages, the clients in the middle (every tier covers them), then the staff of the later stages.
// A band wraps onto as many rows as it needs, so 300 or 3,000 nodes stay in readable rows instead of one line, and
// nodes are ordered by the mean place of what they are linked to (a barycentre sweep), so links stay short.

import { tiers, tierName } from "./style.js";

const COL = 120;        // room for a name of 22 characters at font size 10
const ROW = 84;         // a node, its two-line caption and some air
const LANE_GAP = 70;    // between bands, room for the band's title

function laneOf(node) {
  const label = node.data("label");
  if (label === "Team") return "team";
  if (label === "Client") return "client";
  if (label === "Staff") return tiers.has(node.data("tier")) ? `tier:${node.data("tier")}` : "staff";
  if (label === "Tier") return `tier:${node.data("key")}`;
  return null;           // "+N more" nodes sit beside their centre
}

function laneOrder() {
  const stages = [...tiers.keys()].map((k) => `tier:${k}`);
  const before = Math.ceil(stages.length / 2);
  return ["team", ...stages.slice(0, before), "client", ...stages.slice(before), "staff"];
}

function laneTitle(lane, count) {
  if (lane === "team") return `Teams · ${count}`;
  if (lane === "client") return `Clients · ${count}`;
  if (lane === "staff") return `Staff without a tier · ${count}`;
  return `${tierName(lane.slice(5))} staff · ${count}`;
}

function byName(a, b) {
  const x = (a.data("name") || a.data("key") || "").toLowerCase(), y = (b.data("name") || b.data("key") || "").toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Reorder `members` by the mean rank of their neighbours in `rank` (nodes with none keep their order, at the end). */
function barycentre(members, rank) {
  const keyed = members.map((n, i) => {
    const ranks = n.neighborhood("node").map((m) => rank.get(m.id())).filter((r) => r !== undefined);
    return { n, i, at: ranks.length ? ranks.reduce((a, b) => a + b, 0) / ranks.length : Infinity };
  });
  keyed.sort((a, b) => a.at - b.at || a.i - b.i);
  return keyed.map((k) => k.n);
}

/** Positions for the swim-lane layout of `nodes` (visible, not pinned), fitted to a viewport of aspect `aspect`. */
export function swimLanes(nodes, aspect) {
  const lanes = new Map(laneOrder().map((l) => [l, []]));
  nodes.forEach((n) => { const lane = laneOf(n); if (lane && lanes.has(lane)) lanes.get(lane).push(n); });
  for (const members of lanes.values()) members.sort(byName);
  // Clients first by risk, so the ones to act on lead; then two barycentre sweeps between clients and the rest.
  lanes.get("client").sort((a, b) => (b.data("risk") || 0) - (a.data("risk") || 0) || byName(a, b));
  const rankOf = (list) => new Map(list.map((n, i) => [n.id(), i / Math.max(1, list.length)]));
  for (let sweep = 0; sweep < 2; sweep++) {
    const clientRank = rankOf(lanes.get("client"));
    for (const [lane, members] of lanes) if (lane !== "client") lanes.set(lane, barycentre(members, clientRank));
    const others = new Map();
    for (const [lane, members] of lanes) if (lane !== "client") rankOf(members).forEach((r, id) => others.set(id, r));
    lanes.set("client", barycentre(lanes.get("client"), others));
  }
  // As many columns as make the picture about as wide, relative to its height, as the viewport.
  const sizes = [...lanes.values()].map((m) => m.length).filter((n) => n > 0);
  const widest = Math.max(1, ...sizes);
  let columns = Math.min(4, widest);
  while (columns < widest) {
    const rows = sizes.reduce((a, n) => a + Math.ceil(n / columns), 0);
    if ((columns * COL) / (rows * ROW + sizes.length * LANE_GAP) >= aspect) break;
    columns++;
  }
  const positions = new Map();
  const bands = [];
  let y = 0;
  for (const [lane, members] of lanes) {
    if (!members.length) continue;
    const top = y;
    y += LANE_GAP;
    for (let r = 0; r * columns < members.length; r++) {
      const row = members.slice(r * columns, (r + 1) * columns);
      row.forEach((n, i) => positions.set(n.id(), { x: (i - (row.length - 1) / 2) * COL, y }));
      y += ROW;
    }
    const bottom = y - ROW + 48;          // below the last row's captions
    bands.push({ lane, title: laneTitle(lane, members.length), y: (top + 10 + bottom) / 2, h: bottom - top - 10,
                 w: Math.min(columns, members.length) * COL + 60 });
    y = bottom + 20;
  }
  return { positions, bands };
}

export function laneColour(lane) {
  if (lane.startsWith("tier:") && tiers.has(lane.slice(5))) return tiers.get(lane.slice(5)).colour;
  return lane === "client" ? "#d9a21b" : "#6b7280";
}

/** Options for Cytoscape's own layouts, tuned so a few hundred nodes do not collapse into a hairball. */
export function builtInLayout(name) {
  if (name === "concentric") {
    return { name: "concentric", concentric: (n) => n.degree(), levelWidth: () => 3, minNodeSpacing: 30,
             fit: true, padding: 30, animate: false, avoidOverlap: true };
  }
  // fcose: spectral start then force-directed refinement; long ideal edges and strong repulsion keep hubs apart,
  // disconnected pieces are packed side by side.
  return { name: "fcose", animate: false, fit: true, padding: 30, quality: "default", randomize: true,
           nodeRepulsion: () => 12000, idealEdgeLength: () => 90, edgeElasticity: () => 0.3, nodeSeparation: 90,
           packComponents: true, tile: true, numIter: 2500 };
}

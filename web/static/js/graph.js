// The graph explorer: search, expand neighbourhoods (capped, "+N more"), colour by label and tier, size by value,
// highlight clients at risk, filter by tier/grade/team, three layouts, info panel, fit/zoom, PNG export.
// Everything it shows comes from /api/graph/*; labels are drawn on the canvas and the info panel uses
// textContent, so stored text can never run as markup.

const container = document.getElementById("cy");
const asOf = container.dataset.asOf;
const info = document.getElementById("info");
const PAGE = 60;

const colours = { Client: "#e8a33d", Team: "#5b8def", Tier: "#777", Staff1: "#2a9d8f", Staff2: "#8e44ad", Staff3: "#c0392b", Staff: "#555", More: "#bbb" };
const tierLevels = new Map();

const cy = window.cytoscape({
  container,
  wheelSensitivity: 0.3,
  minZoom: 0.05,
  maxZoom: 4,
  pixelRatio: 1,
  hideEdgesOnViewport: true,
  style: [
    { selector: "node", style: { label: "data(caption)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3,
        "background-color": "data(colour)", width: "data(size)", height: "data(size)", "min-zoomed-font-size": 7 } },
    { selector: "node[label = 'Client']", style: { shape: "round-rectangle" } },
    { selector: "node[label = 'Team']", style: { shape: "hexagon" } },
    { selector: "node[label = 'Tier']", style: { shape: "diamond" } },
    { selector: "node[?risk]", style: { "border-width": 4, "border-color": "#d00" } },
    { selector: "node[label = 'More']", style: { shape: "ellipse", "border-style": "dashed", "border-width": 1, "border-color": "#666" } },
    { selector: "node:selected", style: { "overlay-color": "#000", "overlay-opacity": 0.15 } },
    { selector: "edge", style: { width: 1.2, "line-color": "#bbb", "curve-style": "haystack", opacity: 0.8 } },
    { selector: "edge[type = 'COVERS']", style: { "line-color": "#888" } },
    { selector: ".faded", style: { opacity: 0.08 } },
  ],
});
window.cy = cy;

function nodeId(card) { return `${card.label}:${card.key}`; }

function nodeData(card) {
  let colour = colours[card.label] || "#999";
  if (card.label === "Staff") colour = colours[`Staff${tierLevels.get(card.tier) || ""}`] || colours.Staff;
  const value = Number(card.value) || 0;
  const size = card.label === "Client" ? 16 + Math.min(44, Math.sqrt(value) / 20) : card.label === "Tier" ? 30 : 20;
  return { id: nodeId(card), label: card.label, key: card.key, name: card.name, tier: card.tier, grade: card.grade,
           value: card.value, level: card.level, caption: card.name ? `${card.key} ${card.name}`.slice(0, 40) : card.key,
           colour, size };
}

async function fetchJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${response.status} ${(await response.json().catch(() => ({}))).error || response.statusText}`);
  return response.json();
}

function markRisk(clientId) {
  // A client is highlighted when some tier has at most one active coverer among its loaded edges.
  const node = cy.getElementById(clientId);
  if (node.empty() || node.data("label") !== "Client" || !node.data("expanded")) return;
  const perTier = new Map([...tierLevels.keys()].map((k) => [k, 0]));
  node.connectedEdges("[type = 'COVERS']").forEach((e) => perTier.set(e.data("tier"), (perTier.get(e.data("tier")) || 0) + 1));
  node.data("risk", [...perTier.values()].some((n) => n <= 1));
}

async function expand(label, key, limit = PAGE) {
  const data = await fetchJSON(`/api/graph/neighbourhood?label=${encodeURIComponent(label)}&key=${encodeURIComponent(key)}&limit=${limit}&as_of=${asOf}`);
  const centreId = nodeId(data.centre);
  cy.batch(() => {
    if (cy.getElementById(centreId).empty()) cy.add({ group: "nodes", data: nodeData(data.centre) });
    cy.getElementById(centreId).data("expanded", true);
    for (const n of data.neighbours) {
      const otherId = nodeId(n.node);
      if (cy.getElementById(otherId).empty()) cy.add({ group: "nodes", data: nodeData(n.node) });
      const [source, target] = n.outgoing ? [centreId, otherId] : [otherId, centreId];
      const edgeId = `${source}-${n.type}-${n.tier || ""}-${target}`;
      if (cy.getElementById(edgeId).empty()) cy.add({ group: "edges", data: { id: edgeId, source, target, type: n.type, tier: n.tier } });
    }
    const moreId = `More:${centreId}`;
    cy.remove(cy.getElementById(moreId));
    if (data.total > data.neighbours.length) {
      cy.add({ group: "nodes", data: { id: moreId, label: "More", caption: `+${data.total - data.neighbours.length} more`, colour: colours.More,
                                       size: 18, forLabel: label, forKey: key, next: Math.min(500, limit * 2) } });
      cy.add({ group: "edges", data: { id: `${moreId}-edge`, source: centreId, target: moreId, type: "MORE" } });
    }
  });
  markRisk(centreId);
  runLayout();
  refreshTeams();
  return cy.getElementById(centreId);
}

function runLayout() {
  const name = document.getElementById("layout").value;
  const visible = cy.elements();
  let options;
  if (name === "tiered") {
    // Rows: teams on top, then staff by tier level, then clients; tiers sit left of their row.
    const rows = new Map();
    const rowOf = (n) => {
      const label = n.data("label");
      if (label === "Team") return 0;
      if (label === "Tier") return n.data("level") || 1;
      if (label === "Staff") return tierLevels.get(n.data("tier")) || 1;
      if (label === "More") return 99;
      return 50;
    };
    cy.nodes().forEach((n) => { const r = rowOf(n); if (!rows.has(r)) rows.set(r, []); rows.get(r).push(n); });
    const order = [...rows.keys()].sort((a, b) => a - b);
    const positions = {};
    order.forEach((r, index) => {
      const members = rows.get(r).sort((a, b) => (a.data("key") < b.data("key") ? -1 : 1));
      members.forEach((n, i) => { positions[n.id()] = { x: (i - members.length / 2) * 70, y: index * 140 }; });
    });
    options = { name: "preset", positions: (n) => positions[n.id()], fit: true, padding: 30 };
  } else if (name === "concentric") {
    options = { name: "concentric", concentric: (n) => n.degree(), levelWidth: () => 2, minNodeSpacing: 12, fit: true, padding: 30, animate: false };
  } else {
    // fcose (spectral start, then force-directed refinement) lays out thousands of elements in well under a second.
    options = { name: "fcose", animate: false, fit: true, padding: 30, quality: "default", randomize: true, nodeRepulsion: () => 6000 };
  }
  document.body.dataset.graphReady = "0";
  const layout = visible.layout(options);
  layout.one("layoutstop", () => { document.body.dataset.graphReady = "1"; applyFilters(); });
  layout.run();
}

function applyFilters() {
  const tier = document.getElementById("filter-tier").value;
  const grade = document.getElementById("filter-grade").value;
  const team = document.getElementById("filter-team").value;
  cy.batch(() => {
    cy.elements().removeClass("faded");
    let keep = cy.nodes();
    if (tier) keep = keep.filter((n) => n.data("label") !== "Staff" || n.data("tier") === tier);
    if (grade) keep = keep.filter((n) => n.data("label") !== "Client" || (grade === "none" ? !n.data("grade") : n.data("grade") === grade));
    if (team) {
      const teamNode = cy.getElementById(`Team:${team}`);
      keep = keep.intersection(teamNode.closedNeighborhood().nodes());
    }
    cy.nodes().difference(keep).addClass("faded");
    cy.edges().filter((e) => e.source().hasClass("faded") || e.target().hasClass("faded")).addClass("faded");
  });
}

function refreshTeams() {
  const select = document.getElementById("filter-team");
  const chosen = select.value;
  const teams = cy.nodes("[label = 'Team']").map((n) => n.data("key")).sort();
  select.replaceChildren(new Option("all", ""), ...teams.map((t) => new Option(t, t)));
  select.value = teams.includes(chosen) ? chosen : "";
}

function showInfo(node) {
  const d = node.data();
  info.replaceChildren();
  const title = document.createElement("h3");
  title.textContent = `${d.label} ${d.key}`;
  info.append(title);
  for (const [k, v] of Object.entries({ name: d.name, tier: d.tier, grade: d.grade, value: d.value, level: d.level })) {
    if (v === null || v === undefined || v === "") continue;
    const p = document.createElement("p");
    p.textContent = `${k}: ${v}`;
    info.append(p);
  }
  if (d.label === "Client" || d.label === "Staff") {
    const a = document.createElement("a");
    a.href = `/${d.label === "Client" ? "clients" : "staff"}/${encodeURIComponent(d.key)}`;
    a.textContent = "open page";
    info.append(a);
  }
  if (d.risk) { const r = document.createElement("p"); r.className = "risk"; r.textContent = "at risk: a stage has at most one coverer"; info.append(r); }
  const pos = node.renderedPosition();
  info.style.left = `${Math.round(pos.x + 20)}px`;
  info.style.top = `${Math.round(pos.y)}px`;
  info.hidden = false;
}

cy.on("tap", "node", (e) => { if (e.target.data("label") !== "More") showInfo(e.target); });
cy.on("tap", (e) => { if (e.target === cy) info.hidden = true; });
cy.on("dbltap", "node", async (e) => {
  const d = e.target.data();
  try {
    if (d.label === "More") await expand(d.forLabel, d.forKey, d.next);
    else await expand(d.label, d.key);
  } catch (error) { showError(error); }
});

function showError(error) {
  info.replaceChildren(Object.assign(document.createElement("p"), { className: "error", textContent: String(error.message || error) }));
  info.hidden = false;
}

const results = document.getElementById("results");
let searchTimer;
document.getElementById("q").addEventListener("input", (e) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const text = e.target.value.trim();
    results.replaceChildren();
    if (!text) return;
    try {
      for (const hit of await fetchJSON(`/api/graph/search?q=${encodeURIComponent(text)}`)) {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `${hit.label} ${hit.key}${hit.name ? " — " + hit.name : ""}`;
        button.addEventListener("click", async () => { const n = await expand(hit.label, hit.key); cy.$(":selected").unselect(); n.select(); });
        li.append(button);
        results.append(li);
      }
    } catch (error) { showError(error); }
  }, 200);
});
document.getElementById("search").addEventListener("submit", (e) => { e.preventDefault(); const first = results.querySelector("button"); if (first) first.click(); });
document.getElementById("layout").addEventListener("change", runLayout);
for (const id of ["filter-tier", "filter-grade", "filter-team"]) document.getElementById(id).addEventListener("change", applyFilters);
document.getElementById("fit").addEventListener("click", () => cy.fit(undefined, 30));
document.getElementById("zoom-in").addEventListener("click", () => cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }));
document.getElementById("zoom-out").addEventListener("click", () => cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }));
document.getElementById("clear").addEventListener("click", () => { cy.elements().remove(); info.hidden = true; refreshTeams(); });
document.getElementById("png").addEventListener("click", async () => {
  const blob = await cy.png({ full: true, scale: 2, bg: "#ffffff", output: "blob-promise" });
  const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `graphcrm-${asOf}.png` });
  document.body.append(a);
  a.click();
  a.remove();
});

async function start() {
  // Tier levels colour staff and order the tiered layout's rows.
  try {
    for (const tier of await fetchJSON("/api/tiers")) tierLevels.set(tier.key, tier.level);
  } catch (error) { showError(error); }
  const select = document.getElementById("filter-tier");
  const wanted = container.dataset.start;
  if (wanted && wanted.includes(":")) {
    const [label, key] = [wanted.slice(0, wanted.indexOf(":")), wanted.slice(wanted.indexOf(":") + 1)];
    try { await expand(label, key); } catch (error) { showError(error); }
  }
  select.replaceChildren(new Option("all", ""), ...[...tierLevels.keys()].map((t) => new Option(t, t)));
  document.body.dataset.graphReady = "1";
}
start();

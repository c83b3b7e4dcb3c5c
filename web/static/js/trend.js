// The dashboard's trend lines: every headline figure over the last twelve months, one small line each,
// fetched from /api/trend after the page is shown (past months come from the cache; the first time, they are
// worked out from one read of the graph). Built with DOM calls only: nothing stored runs as markup.

import { t } from "./words.js";

const SVG = "http://www.w3.org/2000/svg";
const box = document.getElementById("trend");

function figure(series, points, labels, links) {
  const values = points.map((p) => (typeof p[series.key] === "number" ? p[series.key] : null));
  const known = values.filter((v) => v !== null);
  const item = document.createElement("figure");
  item.dataset.series = series.key;
  const caption = document.createElement("figcaption");
  const link = document.createElement("a");
  link.href = links[series.key] || "#";
  link.textContent = labels[series.key] || series.label;
  caption.append(link);
  const now = document.createElement("div");
  now.className = "now";
  const last = known.length ? known[known.length - 1] : null;
  now.textContent = last === null ? "—" : new Intl.NumberFormat(document.documentElement.lang).format(last);
  if (known.length > 1) {
    const first = known[0];
    const worse = series.worse_when === "lower" ? last < first : last > first;
    if (last !== first) now.classList.add(worse ? "worse" : "better");
    now.title = t("{first} twelve months ago", { first: new Intl.NumberFormat(document.documentElement.lang).format(first) });
  }
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 100 40");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", link.textContent);
  const low = Math.min(...known), high = Math.max(...known);
  const span = high - low || 1;
  const step = values.length > 1 ? 100 / (values.length - 1) : 0;
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", values.map((v, i) => (v === null ? null : `${(i * step).toFixed(2)},${(36 - ((v - low) / span) * 32).toFixed(2)}`))
    .filter(Boolean).join(" "));
  const tip = document.createElementNS(SVG, "title");
  tip.textContent = points.map((p, i) => `${p.day}: ${values[i] === null ? "—" : values[i]}`).join("\n");
  svg.append(tip, line);
  item.append(caption, now, svg);
  return item;
}

async function draw() {
  const status = document.getElementById("trend-status");
  try {
    const response = await fetch(box.dataset.src, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || response.statusText);
    const labels = JSON.parse(box.dataset.labels || "{}"), links = JSON.parse(box.dataset.links || "{}");
    box.replaceChildren(...answer.series.map((series) => figure(series, answer.points, labels, links)));
    box.dataset.ready = "1";
  } catch (error) {
    status.textContent = t("The trend could not be worked out: {reason}", { reason: String(error.message || error) });
    box.dataset.ready = "error";
  }
}

if (box && box.dataset.src) draw();

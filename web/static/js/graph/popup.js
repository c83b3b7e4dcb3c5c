// The details popup: a plain div beside its node (inside the same positioned box as the canvas, so Cytoscape's
// rendered coordinates are its coordinates), following the node through pan, zoom, drags and layouts. Filled with
// textContent only: stored text never runs as markup.

import { formatValue, tierName } from "./style.js";

const LABELS = { Client: "Client", Staff: "Staff member", Team: "Team", Tier: "Tier" };

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

export class Popup {
  constructor(cy, box, actions) {
    this.cy = cy;
    this.box = box;
    this.actions = actions;     // {canOpen(node), pageOf(node), path(node, end), ...}
    this.node = null;
    this.frame = 0;
    const follow = () => this.schedule();
    cy.on("pan zoom resize layoutstop", follow);
    cy.on("position", "node", (e) => { if (this.node && e.target.same(this.node)) follow(); });
    cy.on("remove", "node", (e) => { if (this.node && e.target.same(this.node)) this.hide(); });
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.place(); });
  }

  hide() {
    this.node = null;
    this.box.hidden = true;
  }

  /** Beside the node: to its right, or to its left when there is no room; never outside the canvas. */
  place() {
    const node = this.node;
    if (!node || this.box.hidden) return;
    if (node.removed() || !node.visible()) { this.hide(); return; }
    const at = node.renderedPosition();
    const half = node.renderedOuterWidth() / 2;
    const width = this.cy.width(), height = this.cy.height();
    const w = this.box.offsetWidth, h = this.box.offsetHeight;
    let left = at.x + half + 12;
    if (left + w > width - 4) left = at.x - half - 12 - w;
    left = Math.max(4, Math.min(left, width - w - 4));
    const top = Math.max(4, Math.min(at.y - h / 2, height - h - 4));
    this.box.style.left = `${Math.round(left)}px`;
    this.box.style.top = `${Math.round(top)}px`;
  }

  show(node) {
    this.node = node;
    const d = node.data();
    const box = this.box;
    box.replaceChildren();
    const close = el("button", "×", "close");
    close.type = "button";
    close.title = "close";
    close.addEventListener("click", () => this.hide());
    box.append(close, el("h3", d.name || d.key), el("p", `${LABELS[d.label] || d.label} · ${d.key}`, "secondary"));
    const facts = [];
    if (d.label === "Client") {
      facts.push(`grade ${d.grade}`, `stage: ${tierName(d.stage)}`, `value ${formatValue(d.value)}`);
    } else if (d.label === "Staff") {
      facts.push(d.tier ? `${tierName(d.tier)} tier` : "no tier");
      if (d.left) facts.push(`left on ${d.left}`);
    } else if (d.label === "Tier") {
      facts.push(`stage ${d.level}`);
    }
    if (facts.length) box.append(el("p", facts.join(" · ")));
    if (d.label === "Client") {
      if (d.risk > 0) {
        box.append(el("p", `key-person risk ${d.risk}`, "risk"));
        const list = el("ul", undefined, "reasons");
        for (const reason of d.reasons || []) list.append(el("li", reason));
        box.append(list);
      } else {
        box.append(el("p", "no key-person risk", "ok"));
      }
    }
    const page = this.actions.pageOf(node);
    if (page) box.append(el("p", `${page.loaded} of ${page.total} neighbours shown`, "secondary"));
    const buttons = el("div", undefined, "buttons");
    const button = (text, name, run) => {
      const b = el("button", text);
      b.type = "button";
      b.dataset.action = name;
      b.addEventListener("click", () => run(node));
      buttons.append(b);
    };
    if (this.actions.canOpen(node)) {
      if (!page) button("Show neighbours", "expand", this.actions.expand);
      else if (page.loaded < page.total) button(`Load ${Math.min(this.actions.pageSize, page.total - page.loaded)} more`, "expand", this.actions.expand);
    }
    button("Focus", "focus", this.actions.focus);
    button(node.locked() ? "Unpin" : "Pin", "pin", this.actions.pin);
    button("Hide", "hide", this.actions.hide);
    if (this.actions.pathEnabled && d.label !== "Tier") {
      button("Path from here", "path-from", (n) => this.actions.path(n, "from"));
      button("Path to here", "path-to", (n) => this.actions.path(n, "to"));
    }
    box.append(buttons);
    if ((d.label === "Client" || d.label === "Staff") && this.actions.canOpen(node)) {
      const a = el("a", `Open the ${d.label === "Client" ? "client" : "staff"} page`);
      a.href = `/${d.label === "Client" ? "clients" : "staff"}/${encodeURIComponent(d.key)}`;
      box.append(a);
    }
    box.hidden = false;
    this.place();
  }

  refresh() {
    if (this.node && !this.box.hidden) this.show(this.node);
  }
}

// Who knows whom (DESIGN 12): two nodes chosen from their details, the chains between them listed best first,
// the chosen chain drawn over the graph with each step named by how it is reached.

import { COLOURS, nodeId } from "./style.js";

export function wirePaths({ cy, getJSON, ensureNode, layout, popup }) {
  const ends = { from: null, to: null };
  const find = document.getElementById("path-find");
  const line = document.getElementById("path-status");
  const list = document.getElementById("path-chains");

  function choose(node, end) {
    ends[end] = node.data();
    document.getElementById(`path-${end}`).textContent = `${node.data("name") || node.data("key")} (${node.data("key")})`;
    find.disabled = !(ends.from && ends.to);
  }

  const chainText = (chain) => chain.steps.map((s, i) => (i ? ` —${s.via}→ ` : "") + (s.name || s.id)).join("");

  function draw(chain, index) {
    popup.hide();
    cy.batch(() => {
      cy.remove("edge.path");
      cy.nodes(".on-path").removeClass("on-path");
      chain.steps.forEach((step, i) => {
        const node = cy.getElementById(nodeId(step.label, step.id));
        node.removeClass("hidden").addClass("on-path");
        if (i === 0) return;
        const prev = chain.steps[i - 1];
        cy.add({ group: "edges", classes: "path", data: { id: `Path:${index}:${i}`, source: nodeId(prev.label, prev.id),
                                                            target: node.id(), type: "PATH", caption: step.via, colour: COLOURS.path } });
      });
    });
    list.querySelectorAll("li").forEach((li, i) => li.classList.toggle("drawn", i === index));
    cy.animate({ fit: { eles: cy.nodes(".on-path"), padding: 80 }, duration: 250 });
  }

  async function findChains() {
    list.replaceChildren();
    line.textContent = "looking…";
    try {
      const found = await getJSON("/api/graph/path", { from: ends.from.key, to: ends.to.key });
      if (!found.available) { line.textContent = found.message; return; }
      if (!found.chains.length) { line.textContent = "No chain within reach between these two."; return; }
      line.textContent = `${found.chains.length} chain${found.chains.length > 1 ? "s" : ""}, best first:`;
      // Every step is a node of the graph: the server sends cards for those not drawn yet.
      cy.batch(() => {
        found.nodes.forEach(ensureNode);
        for (const step of found.chains.flatMap((c) => c.steps)) {
          ensureNode({ label: step.label, key: step.id, name: step.name });
        }
      });
      found.chains.forEach((chain, i) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `${chain.hops} hop${chain.hops === 1 ? "" : "s"}, strength ${chain.strength}: ${chainText(chain)}`;
        button.addEventListener("click", () => draw(chain, i));
        const item = document.createElement("li");
        item.append(button);
        list.append(item);
      });
      await layout();
      draw(found.chains[0], 0);
    } catch (error) { line.textContent = String(error.message || error); }
  }

  find.addEventListener("click", findChains);
  return { choose };
}

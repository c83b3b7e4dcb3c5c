// The explorer's search: every client, person and team whose id or name contains the text, a page at a time,
// with "No results" said out loud. Hits show the name first, the kind and id after it.

export function wireSearch({ getJSON, pageSize, open }) {
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  const line = document.getElementById("search-status");
  const pager = document.getElementById("search-pager");
  const previous = document.getElementById("search-prev");
  const next = document.getElementById("search-next");
  const shown = { offset: 0 };
  let timer;

  const hitButton = (hit) => {
    const button = document.createElement("button");
    button.type = "button";
    button.append(Object.assign(document.createElement("b"), { textContent: hit.name || hit.key }),
                  Object.assign(document.createElement("small"), { textContent: ` ${hit.label} · ${hit.key}` }));
    button.addEventListener("click", () => open(hit.label, hit.key));
    const item = document.createElement("li");
    item.append(button);
    return item;
  };

  async function run(offset = 0) {
    const text = input.value.trim();
    results.replaceChildren();
    pager.hidden = true;
    if (!text) { line.textContent = ""; return; }
    try {
      const found = await getJSON("/api/graph/find", { q: text, offset, limit: pageSize });
      shown.offset = found.offset;
      if (found.total === 0) { line.textContent = `No results for “${text}”.`; return; }
      const last = found.offset + found.hits.length;
      line.textContent = `${found.offset + 1}–${last} of ${found.total} for “${text}”`;
      results.append(...found.hits.map(hitButton));
      pager.hidden = found.total <= pageSize;
      previous.disabled = found.offset === 0;
      next.disabled = last >= found.total;
    } catch (error) { line.textContent = String(error.message || error); }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => run(0), 250); });
  document.getElementById("search").addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(timer); run(0); });
  previous.addEventListener("click", () => run(Math.max(0, shown.offset - pageSize)));
  next.addEventListener("click", () => run(shown.offset + pageSize));
}

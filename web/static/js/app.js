// Small behaviours for every page: sortable tables, confirmations, Ctrl+Enter in the console, result tabs.
// No inline script anywhere: the Content-Security-Policy forbids it.

function cellValue(row, index) {
  const text = row.cells[index] ? row.cells[index].textContent.trim() : "";
  const number = Number(text);
  return text !== "" && !Number.isNaN(number) ? number : text.toLowerCase();
}

for (const table of document.querySelectorAll("table.sortable")) {
  table.querySelectorAll("th").forEach((th, index) => {
    th.tabIndex = 0;
    th.title = "sort";
    const sort = () => {
      const body = table.tBodies[0];
      const ascending = th.dataset.order !== "asc";
      table.querySelectorAll("th").forEach((h) => delete h.dataset.order);
      th.dataset.order = ascending ? "asc" : "desc";
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = cellValue(a, index), y = cellValue(b, index);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      body.append(...rows);
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") sort(); });
  });
}

for (const button of document.querySelectorAll("button[data-confirm]")) {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.dataset.confirm)) event.preventDefault();
  });
}

const cypher = document.getElementById("cypher");
if (cypher) {
  cypher.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) cypher.form.requestSubmit();
  });
}

const pick = document.getElementById("pick-query");
if (pick) pick.addEventListener("change", () => pick.form.requestSubmit());

for (const tab of document.querySelectorAll("[data-show]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("[data-show]")) {
      const panel = document.getElementById(other.dataset.show);
      if (panel) panel.hidden = other !== tab;
    }
    document.dispatchEvent(new CustomEvent("tab-shown", { detail: tab.dataset.show }));
  });
}

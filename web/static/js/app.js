// Small behaviours for every page: pickers that suggest people and clients by name, confirmations, the handover and
// assignment guards, selects that apply themselves, Ctrl+Enter in the console, result tabs, sortable small tables.
// No inline script anywhere: the Content-Security-Policy forbids it. Every form also works without this file.

// -- pickers: an id field that suggests names (from /api/lookup, or from a <datalist> on the page) ------------------
const lookups = new Map();

async function suggestions(kind, listId, text) {
  if (listId) {
    const list = document.getElementById(listId);
    const needle = text.toLowerCase();
    return Array.from(list ? list.options : [])
      .map((o) => ({ id: o.value, name: o.textContent.trim() || null }))
      .filter((o) => !needle || o.id.toLowerCase().includes(needle) || (o.name || "").toLowerCase().includes(needle));
  }
  const key = `${kind}\u0000${text}`;
  if (!lookups.has(key)) {
    const url = `/api/lookup?kind=${encodeURIComponent(kind)}&q=${encodeURIComponent(text)}&limit=12`;
    lookups.set(key, fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : [])).catch(() => []));
  }
  return lookups.get(key);
}

function label(item) {
  return item.name ? `${item.name} (${item.id})` : item.id;
}

function makePicker(field) {
  const multiple = field.dataset.multiple === "1";
  const kind = field.dataset.kind || "staff";
  const listId = field.dataset.list || null;
  const box = document.createElement("span");
  box.className = "picker-box";
  const chips = document.createElement("span");
  chips.className = "chips";
  const typed = document.createElement("input");
  typed.type = "text";
  typed.className = "picker-input";
  typed.autocomplete = "off";
  typed.placeholder = field.placeholder;
  typed.setAttribute("aria-label", field.closest("label") ? field.closest("label").firstChild.textContent.trim() : kind);
  const menu = document.createElement("ul");
  menu.className = "suggestions";
  menu.setAttribute("role", "listbox");
  menu.hidden = true;
  field.parentNode.insertBefore(box, field);
  box.append(chips, typed, menu);
  field.type = "hidden";
  field.required = false;
  box.append(field);
  const chosen = [];                // [{id, name, tier}]

  function sync() {
    field.value = chosen.map((c) => c.id).join(",");
    field.dataset.tier = chosen.length === 1 ? chosen[0].tier || "" : "";
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function renderChips() {
    chips.replaceChildren(...chosen.map((item, index) => {
      const chip = document.createElement("span");
      chip.className = "chip";
      chip.dataset.id = item.id;
      chip.textContent = item.name || item.id;
      if (item.name) {
        const small = document.createElement("small");
        small.className = "id";
        small.textContent = ` ${item.id}`;
        chip.append(small);
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `remove ${item.id}`);
      remove.addEventListener("click", () => { chosen.splice(index, 1); renderChips(); sync(); });
      chip.append(remove);
      return chip;
    }));
  }

  // A chosen id's name and tier, from the same lookup the suggestions use.
  function fillIn(item) {
    suggestions(kind, listId, item.id).then((found) => {
      const match = found.find((s) => s.id === item.id);
      if (match && chosen.includes(item)) { Object.assign(item, match); renderChips(); sync(); }
    });
  }

  function choose(item) {
    if (!multiple) chosen.length = 0;
    if (!chosen.some((c) => c.id === item.id)) chosen.push(item);
    typed.value = "";
    menu.hidden = true;
    renderChips();
    sync();
  }

  let timer = null;
  let shown = [];
  async function refresh() {
    const text = typed.value.trim();
    shown = (await suggestions(kind, listId, text)).filter((s) => !chosen.some((c) => c.id === s.id)).slice(0, 12);
    menu.replaceChildren(...shown.map((item, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.dataset.id = item.id;
      li.textContent = item.name || item.id;
      const small = document.createElement("small");
      small.textContent = ` ${item.id}${item.tier ? " · " + item.tier : ""}`;
      li.append(small);
      if (i === 0) li.classList.add("active");
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(item); });
      return li;
    }));
    menu.hidden = shown.length === 0 || document.activeElement !== typed;
  }

  typed.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 120); });
  typed.addEventListener("focus", () => { refresh(); });
  typed.addEventListener("blur", () => {
    setTimeout(() => { menu.hidden = true; }, 150);
    // Text typed but not chosen stays in the field, so the server names it if it is no one.
    const text = typed.value.trim();
    if (text) {
      const exact = shown.find((s) => s.id.toLowerCase() === text.toLowerCase() || (s.name || "").toLowerCase() === text.toLowerCase());
      if (exact) {
        choose(exact);
      } else {
        // Left before its suggestions came back (a quick Tab): its name and tier are looked up now.
        const item = { id: text, name: null };
        choose(item);
        fillIn(item);
      }
    }
  });
  typed.addEventListener("keydown", (e) => {
    const items = Array.from(menu.children);
    const active = items.findIndex((li) => li.classList.contains("active"));
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!items.length) return;
      const next = (active + (e.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      items.forEach((li, i) => li.classList.toggle("active", i === next));
    } else if (e.key === "Enter" && !menu.hidden && active >= 0) {
      e.preventDefault();
      choose(shown[active]);
    } else if (e.key === "Backspace" && !typed.value && chosen.length) {
      chosen.pop();
      renderChips();
      sync();
    } else if (e.key === "Escape") {
      menu.hidden = true;
    }
  });

  // What the page was given (after a refusal: what the person had chosen) becomes chips; names fill in.
  for (const id of field.value.split(/[,;\s]+/).filter(Boolean)) chosen.push({ id, name: null });
  renderChips();
  chosen.forEach(fillIn);
  box.picker = { chosen, sync };
}

document.querySelectorAll("input.picker").forEach(makePicker);

// -- the handover guard: a step back to an earlier stage shows its confirmation, naming both stages -------------------
for (const select of document.querySelectorAll("select.stage-choice")) {
  const form = select.form;
  const confirmBox = form.querySelector(".confirm-back");
  const text = confirmBox && confirmBox.querySelector(".confirm-text");
  const apply = () => {
    const option = select.selectedOptions[0];
    const back = option && option.dataset.move === "back";
    if (!confirmBox) return;
    confirmBox.hidden = !back;
    const tick = confirmBox.querySelector("input[name=confirm]");
    tick.required = back;
    if (!back) tick.checked = false;
    if (back && text) {
      text.textContent = text.dataset.template.replace("{current}", select.dataset.current).replace("{target}", option.dataset.name);
    }
  };
  select.addEventListener("change", apply);
  apply();
}

// -- the assignment guard: someone from another tier needs an exception with a reason -------------------------------
for (const form of document.querySelectorAll("#form-assign")) {
  const person = form.querySelector("input[name=staff]");
  const tier = form.querySelector("select[name=tier]");
  const reason = form.querySelector(".off-tier-reason");
  const apply = () => {
    const theirs = person.dataset.tier;
    const off = Boolean(theirs && tier.value && theirs !== tier.value);
    if (off || reason.querySelector("textarea").value || reason.querySelector(".field-error")) reason.hidden = false;
    else reason.hidden = true;
    reason.querySelector("textarea").required = off;
  };
  person.addEventListener("change", apply);
  tier.addEventListener("change", apply);
}

// -- confirmations, selects that apply themselves, the console's keyboard and tabs ----------------------------------
for (const button of document.querySelectorAll("button[data-confirm]")) {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.dataset.confirm)) event.preventDefault();
  });
}

for (const select of document.querySelectorAll("select.autosubmit")) {
  select.addEventListener("change", () => (select.form || document.getElementById(select.getAttribute("form"))).requestSubmit());
}

const cypher = document.getElementById("cypher");
if (cypher) {
  cypher.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) cypher.form.requestSubmit();
  });
}

for (const tab of document.querySelectorAll("[data-show]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("[data-show]")) {
      const panel = document.getElementById(other.dataset.show);
      if (panel) panel.hidden = other !== tab;
      other.classList.toggle("on", other === tab);
    }
    document.dispatchEvent(new CustomEvent("tab-shown", { detail: tab.dataset.show }));
  });
}

// -- small tables sort in the page (report pages and the grid sort on the server, over every row) ---------------------
function cellValue(row, index) {
  const text = row.cells[index] ? row.cells[index].textContent.trim() : "";
  const number = Number(text.replace(/,/g, ""));
  return text !== "" && !Number.isNaN(number) ? number : text.toLowerCase();
}

for (const table of document.querySelectorAll("table.sortable")) {
  table.querySelectorAll("th").forEach((th, index) => {
    th.tabIndex = 0;
    const sort = () => {
      const body = table.tBodies[0];
      const ascending = th.dataset.order !== "asc";
      table.querySelectorAll("th").forEach((h) => delete h.dataset.order);
      th.dataset.order = ascending ? "asc" : "desc";
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = cellValue(a, index), y = cellValue(b, index);
        if (x === "" || y === "") return x === "" ? (y === "" ? 0 : 1) : -1;      // blanks last, either way
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      body.append(...rows);
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") sort(); });
  });
}

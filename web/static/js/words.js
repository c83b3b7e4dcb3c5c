// The words scripts show, in the page's language: the server puts their translations on <body data-words>
// (graphcrm/webapp/i18n.py: SCRIPT_WORDS); English pages carry none and show the text as written.

const table = JSON.parse(document.body.dataset.words || "{}");

/** `text` in the page's language, with each {name} filled from `values`. */
export function t(text, values = {}) {
  const template = table[text] || text;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

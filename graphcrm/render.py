"""Results as an aligned table, JSON (DESIGN section 8) or spreadsheet-safe CSV: one renderer for the CLI and the API."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

__all__ = ["to_json_value", "json_text", "render_json", "render_csv", "render_table", "neutralise_cell", "cell_text",
           "Output", "render", "report_output", "analyst_output", "audit_output", "FORMATS"]

FORMATS = ("table", "json", "csv")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_json_value(value: Any) -> Any:
    """Dates as YYYY-MM-DD strings, date-times as ISO strings; containers recursively; no NaN or infinity (null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_json_value(v) for v in value]
    return value


def cell_text(value: Any) -> str:
    """One value as a person reads it in a table or CSV cell."""
    if type(value) is str:          # most cells: ids and names (a report at L prints half a million of them)
        return value
    value = to_json_value(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def neutralise_cell(text: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CWE-1236), but leave plain numbers alone."""
    if text and text.startswith(_FORMULA_START):
        try:
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


def json_text(value: Any, indent: int | None = 2) -> str:
    """Strict JSON text: NaN and infinity can never reach a client (they are not JSON)."""
    return json.dumps(to_json_value(value), ensure_ascii=False, indent=indent, allow_nan=False)


def render_json(result) -> str:
    return json_text(report_output(result).document)


def render_csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise_cell(cell_text(row.get(c))) for c in columns])
    return out.getvalue()


def render_table(columns: list[str], rows: list[dict[str, Any]], max_width: int = 48) -> str:
    """Aligned columns; numbers right-aligned; long cells shortened with an ellipsis."""
    cells = [[_clip(cell_text(row.get(c)), max_width) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [all(_is_number(row.get(c)) for row in rows if row.get(c) is not None) and rows for c in columns]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for r in cells:
        lines.append("  ".join((v.rjust(w) if num else v.ljust(w)) for v, w, num in zip(r, widths, numeric)).rstrip())
    return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _clip(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class Output:
    """A result ready to print: its table (columns, rows), its JSON document, and lines that follow a table.

    `source` is the JSON document, or a function that makes it: a report's is made on first use, because a table
    or CSV of 90,000 rows never needs it (converting them cost the CLI half a second at L).
    """

    columns: list[str]
    rows: list[dict[str, Any]]
    source: Any
    footer: list[str] = field(default_factory=list)
    max_width: int = 48

    @property
    def document(self) -> Any:
        if callable(self.source):
            self.source = self.source()
        return self.source

    @document.setter
    def document(self, value: Any) -> None:
        self.source = value


def render(output: Output, fmt: str) -> str:
    """The text a command prints for --format table|json|csv."""
    if fmt == "json":
        return json_text(output.document) + "\n"
    if fmt == "csv":
        return render_csv(output.columns, output.rows)
    return "\n".join([render_table(output.columns, output.rows, output.max_width), *output.footer]) + "\n"


def report_output(result) -> Output:
    """A report result (DESIGN section 8's JSON document, with `summary` where the report has one)."""
    def document() -> dict[str, Any]:
        made = {"report": result.report, "as_of": to_json_value(result.as_of), "params": to_json_value(result.params),
                "policy": to_json_value(result.policy), "rows": to_json_value(result.rows)}
        if result.summary is not None:
            made["summary"] = to_json_value(result.summary)
        return made

    footer = [f"({len(result.rows)} rows, {result.report} as of {result.as_of.isoformat()})"]
    if result.summary is not None:
        footer.append("summary: " + json_text(result.summary, indent=None))
    return Output(result.columns, result.rows, document, footer)


def analyst_output(result) -> Output:
    rows = [dict(zip(result.columns, row)) for row in result.rows]
    document = {"columns": result.columns, "rows": to_json_value(rows), "truncated": result.truncated, "cut": result.cut}
    cut = {"rows": ", truncated at the row cap", "bytes": ", truncated at the size cap"}.get(result.cut or "", "")
    if result.truncated and not cut:
        cut = ", truncated at the row cap"
    return Output(result.columns, rows, document, [f"({len(rows)} rows{cut})"])


def audit_output(entries) -> Output:
    rows = [asdict(e) for e in entries]
    columns = ["at", "actor", "action", "target", "before", "after", "id"]
    return Output(columns, rows, to_json_value(rows), [], max_width=60)

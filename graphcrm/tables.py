"""Rows as a person browses them: columns in words, sorting (blanks last), filters and pages over every row.

A report's rows are the same on both stores (the parity tests hold them equal), so browsing them is
one function over those rows, whatever store they came from: the whole result is filtered and
sorted, then one page is cut from it. Ids sort and filter by the name a person reads, then by id.

Filters, one per column, written as a person would type them:
`*` any value, `-` no value, `>2`, `>=0.5`, `<10`, `<=3`, `=A` exactly; anything else is a
case-insensitive part of the value (of a name or an id, of any item of a list).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from graphcrm.errors import Message, ParameterError
from graphcrm.model import GRADE_ORDER, Directory

__all__ = ["Column", "Browse", "Page", "columns_of", "browse", "arrange", "column_kind", "label_of", "PAGE_SIZES"]

PAGE_SIZES = (25, 50, 100, 200)

#: What a column holds, by its name in the registry (the same names on every report): how it is shown,
#: sorted and filtered. Anything not named here is text or a number, told apart by its values.
_KINDS: dict[str, str] = {
    "client": "client", "name": "text",
    "staff": "staff", "end_to_end_owner": "staff", "concentration_owner": "staff", "captured_by": "staff",
    "multi_tier_staff": "staff_list", "leaving": "staff_list",
    "team": "team", "teams": "team_list",
    "tier": "tier", "stage": "tier", "single_point_tiers": "tier_list", "lost_tiers": "tier_list",
    "below_policy_tiers": "tier_list", "tiers": "tier_list",
    "grade": "grade",
    "value": "money", "value_at_risk": "money", "orphaned_value": "money",
    "concentration_share": "share", "orphaned_share": "share", "capture_rate": "share", "full_rate": "share",
    "utilisation": "share",
    "last": "day", "since": "day", "day": "day", "detected": "day",
    "successors": "tier_staff",
}
#: Kinds whose values are ids of one kind of record (shown and sorted by name).
ENTITY = {"client": "clients", "staff": "staff", "team": "teams", "tier": "tiers"}
LISTS = {"staff_list": "staff", "team_list": "teams", "tier_list": "tiers"}
NUMERIC = {"money", "share", "number"}


def column_kind(name: str, sample: Any = None) -> str:
    kind = _KINDS.get(name)
    if kind in ENTITY and isinstance(sample, list):
        # The same name holds a list in some reports (coverage's `staff`: every coverer of the stage).
        return {"client": "text", "staff": "staff_list", "team": "team_list", "tier": "tier_list"}[kind]
    if kind:
        return kind
    if isinstance(sample, bool):
        return "flag"
    if isinstance(sample, (int, float)):
        return "number"
    if isinstance(sample, list):
        return "list"
    if isinstance(sample, dict):
        return "map"
    return "text"


def label_of(name: str) -> str:
    """A column's name in words: bus_factor -> 'Bus factor' (the catalogue translates these words)."""
    return name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Column:
    name: str
    label: str          # words for the header
    doc: str            # what it means: the registry's column doc, the header's tooltip
    kind: str


def columns_of(declared: Iterable[tuple[str, str]], rows: list[dict[str, Any]] = ()) -> list[Column]:
    """The columns of a report, from its registry entry (name, doc); kinds from the name, else from the values."""
    out = []
    for name, doc in declared:
        sample = next((row[name] for row in rows if row.get(name) not in (None, "", [], {})), None)
        out.append(Column(name, label_of(name), doc, column_kind(name, sample)))
    return out


@dataclass
class Browse:
    """What a person asked to see: one column to sort by, filters by column, a page of a size."""

    sort: str | None = None
    descending: bool = False
    filters: dict[str, str] = field(default_factory=dict)
    page: int = 1
    size: int = 50


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int              # rows that pass the filters
    unfiltered: int         # rows of the whole result
    page: int
    pages: int
    size: int

    @property
    def first(self) -> int:
        """1-based position of the page's first row (0 when there is none)."""
        return (self.page - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {} or (isinstance(value, float) and math.isnan(value))


def _shown(directory: Directory, kind: str, key: Any) -> str:
    """The name a person reads for an id (its id when it has no name)."""
    return (directory.name(kind, key) or str(key)).casefold()


def _sort_key(column: Column, directory: Directory):
    kind = column.kind
    if kind in ENTITY:
        table = ENTITY[kind]
        return lambda v: (_shown(directory, table, v), str(v))
    if kind in LISTS:
        table = LISTS[kind]
        return lambda v: (len(v), [_shown(directory, table, x) for x in v])
    if kind == "grade":
        return lambda v: GRADE_ORDER.index(v) if v in GRADE_ORDER else len(GRADE_ORDER)
    if kind in NUMERIC or kind == "flag":
        return lambda v: float(v)
    if kind == "day":
        return lambda v: v if isinstance(v, date) else date.fromisoformat(str(v)[:10])
    if kind in ("list", "tier_staff", "map"):
        return lambda v: (len(v), str(v))
    return lambda v: (str(v).casefold(), str(v))


_COMPARE = re.compile(r"^\s*(>=|<=|>|<|=)\s*(.+?)\s*$")


def _matcher(column: Column, text: str, directory: Directory):
    """A test of one value against what a person typed into the column's filter."""
    text = text.strip()
    if text == "*":
        return lambda v: not _blank(v)
    if text == "-":
        return _blank
    compare = _COMPARE.match(text)
    if column.kind in NUMERIC:
        op, raw = compare.groups() if compare is not None else ("=", text)
        try:
            bound = float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
        except ValueError:
            where = "filter " + column.name
            raise ParameterError(Message("expected a number or a comparison such as >2, got {text!r}", where,
                                         text=text)) from None
        ops = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__, "=": float.__eq__}
        return lambda v: not _blank(v) and ops[op](float(v), bound)
    if compare is not None and compare.group(1) == "=":
        exact = compare.group(2).casefold()
        return lambda v: not _blank(v) and _texts(column, v, directory, exact_only=True).__contains__(exact)
    needle = text.casefold()
    return lambda v: not _blank(v) and any(needle in t for t in _texts(column, v, directory))


def _texts(column: Column, value: Any, directory: Directory, exact_only: bool = False) -> list[str]:
    """Every text a value can be found by: each id and its name, each item of a list, a map's keys and items."""
    kind = column.kind
    if kind in ENTITY:
        return [str(value).casefold(), _shown(directory, ENTITY[kind], value)]
    if kind in LISTS:
        return [t for x in value for t in (str(x).casefold(), _shown(directory, LISTS[kind], x))]
    if kind == "tier_staff":
        return [t for tier, people in value.items() for t in
                [str(tier).casefold(), _shown(directory, "tiers", tier)] +
                [u for p in people for u in (str(p).casefold(), _shown(directory, "staff", p))]]
    if kind == "grade":
        return [str(value).casefold()]
    if isinstance(value, list):
        return [str(x).casefold() for x in value]
    return [str(value).casefold()]


def arrange(rows: list[dict[str, Any]], columns: list[Column], directory: Directory, request: Browse) -> list[dict[str, Any]]:
    """Every row that passes the filters, sorted as asked (blanks last either way; ties keep the report's order)."""
    by_name = {c.name: c for c in columns}
    tests = []
    for name, text in request.filters.items():
        if text is None or not str(text).strip():
            continue
        if name not in by_name:
            raise ParameterError(Message("no column {name!r} to filter by", "filter", name=name))
        tests.append((name, _matcher(by_name[name], str(text), directory)))
    kept = [row for row in rows if all(test(row.get(name)) for name, test in tests)] if tests else list(rows)
    if request.sort:
        if request.sort not in by_name:
            raise ParameterError(Message("no column {name!r} to sort by", "sort", name=request.sort))
        key = _sort_key(by_name[request.sort], directory)
        filled = [row for row in kept if not _blank(row.get(request.sort))]
        blanks = [row for row in kept if _blank(row.get(request.sort))]
        # reverse=True keeps equal rows in the report's order too (Python's sort stays stable).
        filled.sort(key=lambda row: key(row[request.sort]), reverse=request.descending)
        kept = filled + blanks
    return kept


def browse(rows: list[dict[str, Any]], columns: list[Column], directory: Directory, request: Browse) -> Page:
    """One page of the arranged rows; a page past the end shows the last one."""
    kept = arrange(rows, columns, directory, request)
    size = max(1, min(int(request.size), max(PAGE_SIZES)))
    pages = max(1, math.ceil(len(kept) / size))
    page = min(max(1, int(request.page)), pages)
    start = (page - 1) * size
    return Page(kept[start:start + size], len(kept), len(rows), page, pages, size)

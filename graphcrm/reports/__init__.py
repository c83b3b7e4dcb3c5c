"""The reports: `catalogue()` of registry entries and `run_report`, which runs one on either store with the same rows."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from graphcrm.config import Policy
from graphcrm.errors import ParameterError, UnknownReport
from graphcrm.queries import bind
from graphcrm.reports.registry import Headline, Report, ReportResult

__all__ = ["Report", "ReportResult", "Headline", "catalogue", "run_report"]


@lru_cache(maxsize=1)
def _entries() -> dict[str, Report]:
    from graphcrm.reports.entries import ENTRIES

    return {entry.name: entry for entry in sorted(ENTRIES, key=lambda e: e.name)}


def catalogue() -> dict[str, Report]:
    """Every report by name, in name order."""
    return dict(_entries())


def report_named(name: str) -> Report:
    entries = _entries()
    if name not in entries:
        raise UnknownReport(f"no report {name!r} (see 'graphcrm reports': {', '.join(entries)})")
    return entries[name]


def run_report(store, name: str, as_of: date | None, params: dict[str, Any], policy: Policy) -> ReportResult:
    """Run report `name` on `store` as of `as_of` (default today) and return typed rows in the documented order."""
    report = report_named(name)
    bound = bind(report.params, params, policy, owner=name, as_of=as_of)
    _check_ids(store, report, bound.values)
    rows = store.report_rows(report, bound)
    if report.finish is not None:
        rows = report.finish(rows, bound, lambda: [t.key for t in store.tiers()])
    summary = report.summary(rows, bound) if report.summary is not None else None
    columns = report.column_names
    keys = tuple(columns)
    # Rows that already hold exactly the columns in order (both stores give those) are kept as they are.
    rows = [row if tuple(row) == keys else {c: row[c] for c in columns} for row in rows]
    return ReportResult(name, bound.as_of, bound.values, bound.policy.as_dict(), columns, rows, summary)


def _check_ids(store, report: Report, values: dict[str, Any]) -> None:
    """An id that names nothing is an error, never an empty result (a mistyped leaver is not 'no risk')."""
    for param, kind in report.ids.items():
        given = values.get(param)
        if not given:
            continue
        ids = given if isinstance(given, list) else [given]
        if kind == "staff":
            missing = sorted(set(ids) - store.existing_staff(ids))
            if missing:
                raise ParameterError(f"{report.name}: {param}: unknown staff member {missing[0]!r}")

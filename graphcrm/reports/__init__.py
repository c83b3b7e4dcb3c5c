"""The report catalogue and `run_report`: one definition per report, run on either store, same rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from graphcrm.config import Policy
from graphcrm.errors import ParameterError, UnknownReport
from graphcrm.model import GRADE_ORDER
from graphcrm.queries import NamedQuery, Param, library

__all__ = ["ReportSpec", "ReportResult", "catalogue", "run_report", "bind_params", "policy_params", "summarise_departure"]


@dataclass(frozen=True)
class ReportSpec:
    name: str
    doc: str
    params: tuple[Param, ...]          # what a user sets (as_of and policy settings aside)
    columns: tuple[tuple[str, str], ...]
    engine: str                        # "cypher" (a report file) or "nx" (extract + networkx)
    query: str                         # the report file, or the extraction query for nx reports
    has_summary: bool = False


@dataclass
class ReportResult:
    report: str
    as_of: date
    params: dict[str, Any]
    policy: dict[str, Any]
    columns: list[str]
    rows: list[dict[str, Any]]
    summary: dict[str, Any] | None = None


_NX_REPORTS = {
    "truck_factor": ReportSpec(
        "truck_factor",
        "How many people must leave before truck_target of the fully covered clients (or their value) lose a stage.",
        (Param("by", "string", "count", "count (number of clients) or value (sum of their value)", False),),
        (("step", "removal step, from 1"), ("staff", "staff member removed at this step"),
         ("orphaned", "measure orphaned so far (clients, or value)"), ("orphaned_share", "orphaned / M, 3 decimals")),
        "nx", "active_coverage"),
    "brokers": ReportSpec(
        "brokers",
        "Staff whose departure cuts the active coverage graph apart (articulation points).",
        (),
        (("staff", "staff id"), ("split", "extra connected components without them"),
         ("clients_cut_off", "clients of their component outside its largest remaining piece")),
        "nx", "active_coverage"),
}


def _spec_of(query: NamedQuery) -> ReportSpec:
    user = tuple(p for p in query.params if p.name != "as_of" and p.default != "policy")
    return ReportSpec(query.name, query.doc, user, query.columns, "cypher", query.name,
                      has_summary=query.name == "departure_impact")


def catalogue() -> dict[str, ReportSpec]:
    """Every report: the cypher/ report files plus the networkx reports, by name."""
    specs = {q.name: _spec_of(q) for q in library().of_kind("report")}
    specs.update(_NX_REPORTS)
    return dict(sorted(specs.items()))


def policy_params(policy: Policy) -> dict[str, Any]:
    """The policy as the Cypher reports' parameters."""
    return {
        "min_per_tier": dict(policy.min_per_tier),
        "max_silence_days": dict(policy.max_silence_days),
        "weight": dict(policy.weight),
        "concentration_share": policy.concentration_share,
        "concentration_window_days": policy.concentration_window_days,
        "concentration_min_interactions": policy.concentration_min_interactions,
        "missed_window_days": policy.missed_window_days,
        "max_stage_days": dict(policy.max_stage_days_by_tier),
        "max_stage_default": policy.max_stage_days,
    }


def bind_params(spec: ReportSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """Type the user's parameters by the report's declarations; refuse unknown or missing ones."""
    bound = {}
    known = {p.name: p for p in spec.params}
    for name in raw:
        if name not in known:
            names = ", ".join(known) or "none"
            raise ParameterError(f"{spec.name}: unknown parameter {name!r} (it takes: {names})")
    for p in spec.params:
        if p.name in raw and raw[p.name] is not None:
            bound[p.name] = p.coerce(raw[p.name])
        elif p.required:
            raise ParameterError(f"{spec.name}: parameter {p.name!r} is required ({p.doc})")
        else:
            bound[p.name] = p.default
    return bound


def summarise_departure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_grade = {grade: {"clients_orphaned": 0, "value_at_risk": 0.0} for grade in GRADE_ORDER}
    for row in rows:
        if row["lost_tiers"]:
            by_grade[row["grade"]]["clients_orphaned"] += 1
            by_grade[row["grade"]]["value_at_risk"] += row["value"] or 0.0
    return {
        "clients_orphaned": sum(v["clients_orphaned"] for v in by_grade.values()),
        "value_at_risk": sum(v["value_at_risk"] for v in by_grade.values()),
        "by_grade": by_grade,
    }


def run_report(store, name: str, as_of: date | None, params: dict[str, Any], policy: Policy) -> ReportResult:
    """Run report `name` on `store` as of `as_of` (default today) and return typed rows in the documented order."""
    specs = catalogue()
    if name not in specs:
        raise UnknownReport(f"no report {name!r} (see 'graphcrm reports': {', '.join(specs)})")
    spec = specs[name]
    as_of = as_of or date.today()
    bound = bind_params(spec, params)
    summary = None
    if spec.engine == "nx":
        from graphcrm.reports import analytics

        extract = store.coverage_extract(as_of)
        rows = analytics.truck_factor(extract, bound["by"], policy) if name == "truck_factor" else analytics.brokers(extract)
    else:
        rows = store.report_rows(name, as_of, bound, policy)
        if name == "departure_impact":
            summary = summarise_departure(rows)
    columns = [c for c, _ in spec.columns]
    rows = [{c: row[c] for c in columns} for row in rows]
    return ReportResult(name, as_of, bound, policy.as_dict(), columns, rows, summary)

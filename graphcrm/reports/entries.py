"""The entries of the report registry: one per report, with whatever is particular to it (reshaping, summary, headlines)."""

from __future__ import annotations

from typing import Any

from graphcrm.model import GRADE_ORDER
from graphcrm.queries import Bound, Param
from graphcrm.reports import analytics, portfolio, twins  # noqa: F401  (importing twins registers them)
from graphcrm.reports.registry import Headline, Report, ReportResult, Rows

__all__ = ["ENTRIES"]


def _count(result: ReportResult) -> int:
    return len(result.rows)


def _clients(result: ReportResult) -> int:
    return len({row["client"] for row in result.rows})


# -- departure_impact ------------------------------------------------------------------------------
def successors_by_tier(rows: Rows, bound: Bound, tiers) -> Rows:
    """Both stores give successors as [{tier, staff}] (Cypher cannot key a map by data without APOC);
    the report's contract is an object from tier key to staff ids."""
    for row in rows:
        row["successors"] = {pair["tier"]: pair["staff"] for pair in row["successors"]}
    return rows


def summarise_departure(rows: Rows, bound: Bound) -> dict[str, Any]:
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


def busiest_person(run) -> dict[str, Any]:
    """The staff member who actively covers the most clients that day (then the smaller id)."""
    load = run("staff_load", {}).rows
    busiest = min(load, key=lambda r: (-r["clients"], r["staff"]), default=None)
    return {"staff": [busiest["staff"]] if busiest and busiest["clients"] else []}


# -- truck_factor ------------------------------------------------------------------------------------
_TRUCK_PARAMS = (
    Param("as_of", "date", "today", "the day the report answers for", False),
    Param("by", "string", "count", "count (number of clients) or value (sum of their value)", False),
    Param("truck_target", "float", "policy", "share of the fully covered measure to orphan (0.5)", False),
)
_TRUCK_COLUMNS = (("step", "removal step, from 1"), ("staff", "staff member removed at this step"),
                  ("orphaned", "measure orphaned so far (clients, or value)"),
                  ("orphaned_share", "orphaned / M, 3 decimals"))
_BROKER_COLUMNS = (("staff", "staff id"), ("split", "extra connected components without them"),
                   ("clients_cut_off", "clients of their component outside its largest remaining piece"))

ENTRIES: tuple[Report, ...] = (
    Report("coverage", "coverage",
           headlines=(Headline("clients", "clients", _clients, worse_when="lower"),)),
    Report("coverage_gaps", "coverage_gaps",
           headlines=(Headline("coverage_gaps", "clients with a coverage gap", _clients),)),
    Report("key_person_risk", "key_person_risk",
           headlines=(Headline("key_person_risk", "clients with key-person risk",
                               lambda r: sum(1 for row in r.rows if row["risk"] > 0)),
                      Headline("end_to_end", "clients held end to end by one person",
                               lambda r: sum(1 for row in r.rows if row["end_to_end_owner"])))),
    Report("departure_impact", "departure_impact", finish=successors_by_tier, summary=summarise_departure,
           ids={"staff": "staff"},
           headlines=(Headline("value_at_risk", "value at risk if the busiest person left",
                               lambda r: r.summary["value_at_risk"] if r.summary else 0.0, params=busiest_person),)),
    Report("portfolio", "portfolio"),
    Report("staff_load", "staff_load",
           headlines=(Headline("over_capacity", "staff over capacity",
                               lambda r: sum(1 for row in r.rows if (row["utilisation"] or 0) > 1)),)),
    Report("stale_clients", "stale_clients",
           headlines=(Headline("stale_clients", "stale clients", _count),)),
    Report("missed_demand", "missed_demand",
           headlines=(Headline("missed_demand", "needs missed by tier 1",
                               lambda r: sum(row["missed"] for row in r.rows)),)),
    Report("team_coverage", "team_coverage",
           headlines=(Headline("fully_staffed", "engaged clients fully staffed by their team",
                               lambda r: sum(row["fully_staffed"] for row in r.rows), worse_when="lower"),)),
    Report("relationships", "relationships",
           headlines=(Headline("relationships", "staff-client relationships in the window", _count,
                               worse_when="lower"),)),
    Report("stalled_stages", "stalled_stages",
           headlines=(Headline("stalled_stages", "stalled stages", _count),)),
    Report("truck_factor", "active_coverage",
           doc="How many people must leave before truck_target of the fully covered clients (or their value) lose a stage.",
           params=_TRUCK_PARAMS, columns=_TRUCK_COLUMNS, finish=analytics.truck_factor_report,
           headlines=(Headline("truck_factor", "truck factor", _count, worse_when="lower"),)),
    Report("brokers", "active_coverage",
           doc="Staff whose departure cuts the active coverage graph apart (articulation points).",
           params=(Param("as_of", "date", "today", "the day the report answers for", False),),
           columns=_BROKER_COLUMNS, finish=analytics.brokers_report,
           headlines=(Headline("brokers", "staff who hold the coverage graph together", _count),)),
)

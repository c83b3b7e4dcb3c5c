"""The entries of the report registry: one per report, with whatever is particular to it (reshaping, summary, headlines)."""

from __future__ import annotations

from typing import Any

from graphcrm.model import GRADE_ORDER
from graphcrm.queries import Bound, Param
from graphcrm.reports import analytics, portfolio, twins  # noqa: F401  (importing twins registers them)
from graphcrm.reports import history, paths, planning
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

# Headlines are DESIGN 11's trend figures: coverage gaps (clients), clients with risk > 0, clients held end to end,
# stale clients, stalled stages, truck factor, and the value at risk of the busiest person's departure.
ENTRIES: tuple[Report, ...] = (
    Report("coverage", "coverage"),
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
    Report("missed_demand", "missed_demand"),
    Report("team_coverage", "team_coverage"),
    Report("relationships", "relationships"),
    Report("stalled_stages", "stalled_stages",
           headlines=(Headline("stalled_stages", "stalled stages", _count),)),
    Report("truck_factor", "active_coverage",
           doc="How many people must leave before truck_target of the fully covered clients (or their value) lose a stage.",
           params=_TRUCK_PARAMS, columns=_TRUCK_COLUMNS, finish=analytics.truck_factor_report,
           headlines=(Headline("truck_factor", "truck factor", _count, worse_when="lower"),)),
    Report("brokers", "active_coverage",
           doc="Staff whose departure cuts the active coverage graph apart (articulation points).",
           params=(Param("as_of", "date", "today", "the day the report answers for", False),),
           columns=_BROKER_COLUMNS, finish=analytics.brokers_report),
)


# -- coverage_plan (DESIGN 10) ---------------------------------------------------------------------------
_PLAN_PARAMS = (
    Param("as_of", "date", "today", "the day the plan is made for", False),
    Param("leaving", "list<string>", [], "staff treated as gone on as_of (their coverage is to be replaced)", False),
    Param("min_per_tier", "map", "policy", "active coverers required at every tier, by grade", False),
    Param("weight", "map", "policy", "weight of a filled slot, by grade", False),
    Param("default_capacity", "int", "policy", "clients per person when capacity is not set (25)", False),
    Param("concentration_window_days", "int", "policy", "window of days for relationship strength (180)", False),
    Param("concentration_share", "float", "policy", "share that makes one person a concentration risk (0.8)", False),
    Param("concentration_min_interactions", "int", "policy", "fewest interactions to judge concentration (5)", False),
)
_PLAN_COLUMNS = (
    ("client", "client id"), ("grade", "grade on as_of"), ("tier", "tier key of the stage"),
    ("action", "assign (a new coverer) or release (off-tier coverage policy no longer needs)"),
    ("staff", "staff id"), ("reason", "leaving (a leaver covered this stage), gap, or off_tier"),
    ("why", "the reason in words, with names"),
)

ENTRIES += (
    Report("coverage_plan", "plan_extract",
           doc="A plan that fills the coverage slots (min_per_tier) with the best candidates, exactly, and releases "
               "off-tier coverage policy no longer needs; with leaving, the repair of those departures.",
           params=_PLAN_PARAMS, columns=_PLAN_COLUMNS, finish=planning.plan_report, summary=planning.plan_summary,
           ids={"leaving": "staff"}),
)

# -- changes (DESIGN 11) -------------------------------------------------------------------------------------
ENTRIES += (
    Report("changes", "changes", finish=history.check_window),
)

# -- path (DESIGN 12) ------------------------------------------------------------------------------------------
_PATH_PARAMS = (
    Param("as_of", "date", "today", "the day the chains must be true on", False),
    Param("from", "string", None, "id of the first person, client or team", True),
    Param("to", "string", None, "id of the second person, client or team", True),
    Param("max_hops", "int", 6, "longest chain wanted, in steps", False),
    Param("concentration_window_days", "int", "policy", "window of days for knowing a client (180)", False),
)
_PATH_COLUMNS = (
    ("rank", "1, 2, 3: fewer steps first, then the stronger chain, then the ids along it"),
    ("hops", "steps in the chain"),
    ("strength", "sum of relationship strengths (3 decimals each) on its staff-client steps"),
    ("steps", "[{id, name, label, via}] from `from` to `to`; via says how a step is reached: knows, coverage, "
              "membership or engagement (null for the first)"),
)

ENTRIES += (
    Report("path", "path_graph",
           doc="Up to three who-knows-whom chains between two people, clients or teams (coverage, membership, "
               "engagement, and knowing a client from recent interactions).",
           params=_PATH_PARAMS, columns=_PATH_COLUMNS, finish=paths.path_report),
)

"""What applying a coverage plan writes, and whether the graph it was computed on is still the graph.

A plan's summary carries a fingerprint of its rows and of every fact about the clients and people it
touches (`planning.plan_fingerprint`). The service re-reads those clients and people inside the
transaction that applies the plan, and `plan_records` works the same facts out of what it read: a
different fingerprint means something the plan relied on changed, and the plan is refused.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timezone, tzinfo
from typing import Any

from graphcrm.model import Coverage, Records
from graphcrm.rules import can_end_on, coverage_active, grade_on, span_active, staff_active
from graphcrm.times import zone_named

__all__ = ["PlanOutcome", "plan_records", "basis_of_views", "plan_fingerprint"]


def plan_fingerprint(as_of: date, leaving: list[str], policy: dict[str, Any], rows: list[dict], basis: dict) -> str:
    """A digest of a plan (its day, leavers, policy, rows) and of the facts it relied on."""
    import hashlib
    import json

    document = {
        "as_of": as_of.isoformat(), "leaving": sorted(leaving or []),
        "policy": {k: policy[k] for k in ("min_per_tier", "weight", "default_capacity")},
        "rows": [[r["action"], r["client"], r["tier"], r["staff"]] for r in rows], "basis": basis,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:24]


def basis_of_views(rows: list[dict], as_of: date, clients: dict[str, Records], staff: dict[str, Records],
                   zone: tzinfo = timezone.utc) -> dict:
    """The facts a plan relies on, from the views a change reads (the same shape as planning's, from its extraction)."""
    out: dict[str, Any] = {"clients": {}, "staff": {}}
    for client in sorted({r["client"] for r in rows}):
        view = clients.get(client)
        if view is None:
            out["clients"][client] = None
            continue
        record = view.clients[0]
        people = {s.id: s for s in view.staff}
        assessments = [i for i in view.interactions if i.kind == "assessment"]
        cover = sorted([c.staff, c.tier, c.since.isoformat() if c.since else ""]
                       for c in view.coverage if coverage_active(c, people, as_of))
        out["clients"][client] = {"grade": grade_on(record.grade, assessments, as_of, zone), "cover": cover}
    for sid in sorted({r["staff"] for r in rows}):
        view = staff.get(sid)
        if view is None:
            out["staff"][sid] = None
            continue
        person = view.staff[0]
        active = staff_active(person, as_of)
        tiers = {t.key for t in view.tiers}
        load = {c.client for c in view.coverage if active and span_active(c.since, c.until, as_of)}
        out["staff"][sid] = {"tier": person.tier if active and person.tier in tiers else None,
                             "capacity": person.capacity if active else None, "active": active, "clients": len(load)}
    return out


@dataclass
class PlanOutcome:
    records: Records            # the coverage to write: new assignments, released spans
    done: bool                  # every row is already in the graph: nothing to write
    fingerprint: str            # of the plan on the facts read now
    reason: str                 # when the fingerprint differs: what no longer holds, in words


def plan_records(plan, clients: dict[str, Records], staff: dict[str, Records]) -> PlanOutcome:
    """The writes of a coverage_plan result, checked against the client and staff views read in the transaction."""
    as_of, rows = plan.as_of, plan.rows
    leaving = set(plan.params.get("leaving") or [])
    basis = basis_of_views(rows, as_of, clients, staff, zone_named(plan.policy.get("timezone")))
    fingerprint = plan_fingerprint(as_of, sorted(leaving), plan.policy, rows, basis)
    new: list[Coverage] = []
    ended: list[Coverage] = []
    done = True
    assigned: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        if row["action"] == "assign":
            assigned[(row["client"], row["tier"])].append(row["staff"])
    for row in rows:
        client, tier, sid = row["client"], row["tier"], row["staff"]
        view = clients.get(client)
        spans = [c for c in view.coverage if (c.staff, c.tier) == (sid, tier)] if view else []
        if row["action"] == "assign":
            if not any(c.since == as_of and c.until is None for c in spans):
                done = False
            people = {s.id: s for s in view.staff} if view else {}
            staying = [c.staff for c in (view.coverage if view else ()) if c.tier == tier and c.staff not in leaving
                       and coverage_active(c, people, as_of)]
            # The first newcomer of a stage nobody else keeps leads it; the others back it up.
            role = "lead" if not staying and sid == min(assigned[(client, tier)]) else "backup"
            new.append(Coverage(sid, client, tier, role, as_of, None))
        else:
            open_ = [c for c in spans if span_active(c.since, c.until, as_of)]
            if open_ or not any(c.until == as_of for c in spans):
                done = False
            ended += [replace(c, until=as_of) for c in open_ if can_end_on(c.since, c.until, as_of)]
    reason = "" if fingerprint == plan.summary["fingerprint"] else _what_changed(plan, basis)
    return PlanOutcome(Records(coverage=new + ended), done, fingerprint, reason)


def _what_changed(plan, basis: dict) -> str:
    """A plain reason a plan no longer fits (first one found), for the refusal."""
    policy = plan.policy
    load: dict[str, int] = defaultdict(int)
    for row in plan.rows:
        person = basis["staff"].get(row["staff"])
        facts = basis["clients"].get(row["client"])
        if person is None or not person["active"]:
            return f"{row['staff']} is no longer active on {plan.as_of}"
        if facts is None:
            return f"client {row['client']} no longer exists"
        if row["action"] == "assign":
            load[row["staff"]] += 1
            if person["tier"] != row["tier"]:
                return f"{row['staff']} is no longer in the {row['tier']} tier"
            if any(s == row["staff"] for s, _, _ in facts["cover"]):
                return f"{row['staff']} already covers {row['client']}"
            capacity = person["capacity"] if person["capacity"] is not None else policy["default_capacity"]
            if person["clients"] + load[row["staff"]] > capacity:
                return f"{row['staff']} has no free place left for {row['client']}"
            required = policy["min_per_tier"][facts["grade"]]
            staying = {s for s, k, _ in facts["cover"] if k == row["tier"]} - set(plan.params.get("leaving") or [])
            if len(staying) >= required:
                return f"the {row['tier']} stage of {row['client']} is no longer short of people"
        elif not any(s == row["staff"] and k == row["tier"] for s, k, _ in facts["cover"]):
            return f"{row['staff']} no longer covers the {row['tier']} stage of {row['client']}"
    return "the coverage, grade or capacity of a client or person it touches changed since it was computed"

"""What the UI and API show: client, staff and dashboard views, each behind the read permissions of graphcrm.permissions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from graphcrm.config import Settings
from graphcrm.errors import NotFound
from graphcrm.model import GRADE_ORDER
from graphcrm.permissions import User, client_actions, may, require_read_client, require_read_staff
from graphcrm.times import day_in
from graphcrm.rules import (
    active_coverers, client_risk, coverage_active, first_tier, grade_on, membership_active, span_active, staff_active,
    stage_on, tiers_in_order,
)

__all__ = ["client_page", "staff_page", "dashboard", "my_clients", "recent_changes", "RECENT_DAYS"]

#: How far back the client and staff pages list changes.
RECENT_DAYS = 90


def recent_changes(store, settings: Settings, day: date, **only: str) -> list[dict[str, Any]]:
    """The `changes` report's rows of the RECENT_DAYS up to `day` for one client or one person (client=... / staff=...)."""
    from graphcrm.reports import run_report

    return run_report(store, "changes", day, {"since": day - timedelta(days=RECENT_DAYS), **only}, settings.policy).rows


def client_page(store, settings: Settings, user: User, client: str, day: date, today: date | None = None) -> dict[str, Any]:
    """A client as of `day`; who may read it is decided on `today`, whatever day is shown."""
    today = today or date.today()
    view = store.client_view(client)
    if view is None:
        raise NotFound(f"no client {client}")
    my_view = store.staff_view(user.staff) if user.staff and not may(user, "read_all") else None
    require_read_client(user, view, my_view, today)
    record = view.clients[0]
    tiers = tiers_in_order(view.tiers)
    staff = {s.id: s for s in view.staff}
    assessments = sorted((i for i in view.interactions if i.kind == "assessment"), key=lambda i: (i.at, i.id))
    handovers = [i for i in view.interactions if i.kind == "handover"]
    zone = settings.policy.zone
    grade = grade_on(record.grade, assessments, day, zone)
    stage = stage_on(record.stage, handovers, day, first_tier(tiers), zone)
    required = settings.policy.min_per_tier[grade]
    active = active_coverers(view.coverage, staff, day)
    coverage_rows = []
    for tier in tiers:
        now = sorted(active.get(tier.key, ()))
        past = sorted({c.staff for c in view.coverage if c.tier == tier.key} - set(now))
        coverage_rows.append({"tier": tier.key, "level": tier.level, "name": tier.name, "staff": now, "past": past,
                              "required": required, "gap": len(now) < required, "current_stage": tier.key == stage})
    interactions, needs = store.client_timeline(client, 100_000)
    risk = client_risk(active, [t.key for t in tiers], interactions, day, settings.policy, grade)
    single_point_flag = risk.pop("single_point_flag")
    flags = []
    if risk["bus_factor"] == 0 and tiers:
        flags.append("a stage has no active coverer")
    if single_point_flag:
        flags.append("single point of failure at " + ", ".join(risk["single_point_tiers"]))
    if risk["multi_tier_staff"]:
        flags.append("split authority broken: " + ", ".join(risk["multi_tier_staff"]) + " cover several stages")
    if risk["end_to_end_owner"]:
        flags.append(f"held end to end by {risk['end_to_end_owner']}")
    if risk["concentration_owner"]:
        flags.append(f"{risk['concentration_owner']} took part in {risk['concentration_share']:.0%} of recent interactions")
    return {
        "client": record, "grade": grade, "stage": stage, "tiers": tiers, "coverage": coverage_rows, "flags": flags,
        "teams": sorted({e.team for e in view.engagements if span_active(e.since, e.until, day)}),
        "grade_history": [{"at": a.at, "grade": a.grade, "score": a.score, "staff": a.staff} for a in reversed(assessments)],
        "interactions": interactions[:200], "needs": needs, "last": day_in(interactions[0].at, zone) if interactions else None,
        "risk": risk, "actions": sorted(client_actions(user, view, today, settings.ownership, zone)),
        "changes": recent_changes(store, settings, day, client=client),
    }


def staff_page(store, settings: Settings, user: User, staff: str, day: date) -> dict[str, Any]:
    require_read_staff(user, staff)
    view = store.staff_view(staff)
    if view is None:
        raise NotFound(f"no staff member {staff}")
    person = view.staff[0]
    people = {person.id: person}
    active = [c for c in view.coverage if coverage_active(c, people, day)]
    clients = sorted({c.client for c in active})
    impact = repair = None
    if may(user, "read_all") and staff_active(person, day):
        from graphcrm.reports import run_report

        impact = run_report(store, "departure_impact", day, {"staff": [staff]}, settings.policy)
        # The plan that would repair it: the coverage plan with this person gone, its rows that replace them.
        repair = run_report(store, "coverage_plan", day, {"leaving": [staff]}, settings.policy)
        repair.rows = [r for r in repair.rows if r["reason"] == "leaving"]
    return {"staff": person, "active": staff_active(person, day), "coverage": sorted(active, key=lambda c: (c.client, c.tier)),
            "history": sorted((c for c in view.coverage if c not in active), key=lambda c: (c.client, c.tier, c.since or date.min)),
            "clients": clients, "load": len(clients), "capacity": person.capacity,
            "teams": sorted({m.team for m in view.memberships if membership_active(m, people, day)}), "impact": impact,
            "repair": repair, "changes": recent_changes(store, settings, day, staff=staff)}


def my_clients(store, user: User, day: date) -> list[dict[str, Any]]:
    """A staff member's actively covered clients, for their home page."""
    view = store.staff_view(user.staff) if user.staff else None
    if view is None:
        return []
    people = {view.staff[0].id: view.staff[0]}
    return [{"client": c.client, "tier": c.tier, "role": c.role, "since": c.since}
            for c in sorted(view.coverage, key=lambda c: (c.client, c.tier)) if coverage_active(c, people, day)]


def dashboard(run, day: date) -> dict[str, Any]:
    """The dashboard's figures; `run(name, params)` runs a report (cached by the web app)."""
    coverage = run("coverage", {})
    grades = {}
    for row in coverage:
        grades[row["client"]] = row["grade"]
    by_grade = {g: sum(1 for v in grades.values() if v == g) for g in GRADE_ORDER}
    gaps = run("coverage_gaps", {})
    short = defaultdict(set)
    for row in gaps:
        short[row["grade"]].add(row["client"])
    compliance = {g: (1 - len(short[g]) / by_grade[g]) if by_grade[g] else None for g in GRADE_ORDER}
    risk = run("key_person_risk", {})
    stale = run("stale_clients", {})
    stalled = run("stalled_stages", {})
    truck = run("truck_factor", {})
    return {
        "clients": len(grades), "by_grade": by_grade, "compliance": compliance, "gaps": len(gaps),
        "compliance_pct": [(g, round(v * 100) if v is not None else None) for g, v in compliance.items()],
        "risk_top": risk[:10], "risk_count": len(risk), "end_to_end": sum(1 for r in risk if r["end_to_end_owner"]),
        "stale_count": len(stale), "stale_top": stale[:5], "stalled_count": len(stalled), "truck_factor": len(truck),
        "truck": truck, "max_by_grade": max(by_grade.values()) if by_grade else 0,
    }

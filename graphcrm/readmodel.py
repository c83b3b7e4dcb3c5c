"""What the UI and API show: client, staff and dashboard views, with the read permissions of DESIGN 9."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from graphcrm.config import Settings
from graphcrm.model import GRADE_ORDER, Records
from graphcrm.reports.embedded import client_risk
from graphcrm.service import PermissionDenied
from graphcrm.timeline import grade_on, span_active, staff_active, stage_on
from graphcrm.stores.users import User

__all__ = ["client_page", "staff_page", "dashboard", "may_read_everything", "require_everything", "my_clients"]

_READ_ALL = ("admin", "manager", "analyst")


def may_read_everything(user: User) -> bool:
    return user.role in _READ_ALL


def require_everything(user: User, what: str) -> None:
    if not may_read_everything(user):
        raise PermissionDenied(f"{what} is for managers, analysts and admins; staff see the clients they cover")


def _readable_by_staff(store, user: User, client_view: Records, day: date) -> bool:
    """Staff read the clients they actively cover and the clients their active teams engage."""
    if any(c.staff == user.staff and span_active(c.since, c.until, day) for c in client_view.coverage):
        return True
    me = store.staff_view(user.staff) if user.staff else None
    if me is None:
        return False
    teams = {m.team for m in me.memberships if span_active(m.since, m.until, day)}
    return any(e.team in teams and span_active(e.since, e.until, day) for e in client_view.engagements)


def client_page(store, settings: Settings, user: User, client: str, day: date) -> dict[str, Any] | None:
    view = store.client_view(client)
    if view is None:
        return None
    if not may_read_everything(user) and not _readable_by_staff(store, user, view, day):
        raise PermissionDenied(f"you do not cover {client} and none of your teams engages it")
    record = view.clients[0]
    tiers = sorted(view.tiers, key=lambda t: (t.level, t.key))
    staff = {s.id: s for s in view.staff}
    assessments = sorted((i for i in view.interactions if i.kind == "assessment"), key=lambda i: (i.at, i.id))
    handovers = [i for i in view.interactions if i.kind == "handover"]
    grade = grade_on(record.grade, assessments, day)
    first = next((t.key for t in tiers if t.level == 1), None)
    stage = stage_on(record.stage, handovers, day, first)
    required = settings.policy.min_per_tier[grade]
    coverage_rows = []
    for tier in tiers:
        active = sorted({c.staff for c in view.coverage if c.tier == tier.key and span_active(c.since, c.until, day)
                         and staff_active(staff.get(c.staff), day)})
        past = sorted({c.staff for c in view.coverage if c.tier == tier.key} - set(active))
        coverage_rows.append({"tier": tier.key, "level": tier.level, "name": tier.name, "staff": active, "past": past,
                              "required": required, "gap": len(active) < required, "current_stage": tier.key == stage})
    interactions, needs = store.client_timeline(client, 100_000)
    risk = client_risk({row["tier"]: set(row["staff"]) for row in coverage_rows}, [t.key for t in tiers], interactions, day,
                       settings.policy)
    flags = []
    if risk["bus_factor"] == 0 and tiers:
        flags.append("a stage has no active coverer")
    if risk["single_point_tiers"]:
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
        "interactions": interactions[:200], "needs": needs, "last": interactions[0].day if interactions else None,
        "risk": risk,
    }


def staff_page(store, settings: Settings, user: User, staff: str, day: date) -> dict[str, Any] | None:
    if not may_read_everything(user) and user.staff != staff:
        raise PermissionDenied("staff see their own page only")
    view = store.staff_view(staff)
    if view is None:
        return None
    person = view.staff[0]
    active = [c for c in view.coverage if span_active(c.since, c.until, day)] if staff_active(person, day) else []
    clients = sorted({c.client for c in active})
    impact = None
    if may_read_everything(user) and staff_active(person, day):
        from graphcrm.reports import run_report

        impact = run_report(store, "departure_impact", day, {"staff": [staff]}, settings.policy)
    return {"staff": person, "active": staff_active(person, day), "coverage": sorted(active, key=lambda c: (c.client, c.tier)),
            "history": sorted((c for c in view.coverage if c not in active), key=lambda c: (c.client, c.tier, c.since or date.min)),
            "clients": clients, "load": len(clients), "capacity": person.capacity,
            "teams": sorted({m.team for m in view.memberships if span_active(m.since, m.until, day)}), "impact": impact}


def my_clients(store, user: User, day: date) -> list[dict[str, Any]]:
    """A staff member's actively covered clients, for their home page."""
    view = store.staff_view(user.staff) if user.staff else None
    if view is None:
        return []
    return [{"client": c.client, "tier": c.tier, "role": c.role, "since": c.since}
            for c in sorted(view.coverage, key=lambda c: (c.client, c.tier)) if span_active(c.since, c.until, day)]


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

"""What the UI and API show: client, staff and dashboard views, each behind the read permissions of graphcrm.permissions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from graphcrm.config import Settings
from graphcrm.errors import NotFound
from graphcrm.config import Policy
from graphcrm.model import GRADE_ORDER, Directory
from graphcrm.permissions import (
    User, client_actions, may, off_tier, require_read_client, require_read_staff, stage_choices,
)
from graphcrm.portfolio import reasons_for
from graphcrm.stores.protocol import Scope
from graphcrm.times import day_in
from graphcrm.rules import (
    active_coverers, client_risk, coverage_active, first_tier, grade_on, membership_active, span_active, staff_active,
    stage_on, tiers_in_order,
)

__all__ = ["client_page", "staff_page", "dashboard", "my_clients", "readable_clients", "recent_changes", "RECENT_DAYS"]

#: How far back the client and staff pages list changes.
RECENT_DAYS = 90


def recent_changes(store, settings: Settings, day: date, **only: str) -> list[dict[str, Any]]:
    """The `changes` report's rows of the RECENT_DAYS up to `day` for one client or one person (client=... / staff=...)."""
    from graphcrm.reports import run_report

    return run_report(store, "changes", day, {"since": day - timedelta(days=RECENT_DAYS), **only}, settings.policy).rows


def client_page(store, settings: Settings, user: User, client: str, day: date, today: date | None = None,
                directory: Directory | None = None) -> dict[str, Any]:
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
        # Each active coverage, with the earliest day it can end (a coverage begun today ends tomorrow at the earliest).
        ending = {c.staff: max(today, (c.since or date.min) + timedelta(days=1)) for c in view.coverage
                  if c.tier == tier.key and c.staff in now and span_active(c.since, c.until, day)}
        coverage_rows.append({"tier": tier.key, "level": tier.level, "name": tier.name, "staff": now, "past": past,
                              "required": required, "gap": len(now) < required, "current_stage": tier.key == stage,
                              "status": "ok" if len(now) >= required else ("short" if now else "none"),
                              "off_tier": sorted(s for s in now if off_tier(staff[s], tier.key)), "ends": ending})
    interactions, needs = store.client_timeline(client, 100_000)
    risk = client_risk(active, [t.key for t in tiers], interactions, day, settings.policy, grade)
    risk.pop("single_point_flag")
    names = directory or Directory(staff={s.id: s.name for s in view.staff}, tiers={t.key: t.name for t in tiers})
    flags = reasons_for({**risk, "grade": grade}, {t.key: sorted(active.get(t.key, ())) for t in tiers},
                        settings.policy, names) if risk["flags"] else []
    return {
        "client": record, "grade": grade, "stage": stage, "tiers": tiers, "coverage": coverage_rows, "flags": flags,
        "teams": sorted({e.team for e in view.engagements if span_active(e.since, e.until, day)}),
        "grade_history": [{"at": a.at, "grade": a.grade, "score": a.score, "staff": a.staff} for a in reversed(assessments)],
        "interactions": interactions[:200], "needs": needs, "last": day_in(interactions[0].at, zone) if interactions else None,
        "risk": risk, "actions": sorted(client_actions(user, view, today, settings.ownership, zone)),
        "stage_choices": stage_choices(view, today, zone),
        "coverers": sorted({s for row in coverage_rows for s in row["staff"]}), "tier_of": {s.id: s.tier for s in view.staff},
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


def readable_clients(store, user: User, today: date) -> set[str]:
    """The clients a staff login may open today: those it actively covers and those its active teams engage."""
    if not user.staff:
        return set()
    mine = store.views(Scope(staff=(user.staff,))).staff.get(user.staff)
    if mine is None:
        return set()
    me = mine.staff[0]
    people = {me.id: me}
    found = {c.client for c in mine.coverage if coverage_active(c, people, today)}
    teams = tuple(sorted({m.team for m in mine.memberships if membership_active(m, people, today)}))
    if teams:
        for view in store.views(Scope(teams=teams)).teams.values():
            found |= {e.client for e in view.engagements if span_active(e.since, e.until, today)}
    return found


def my_clients(store, user: User, day: date) -> list[dict[str, Any]]:
    """A staff member's actively covered clients, for their home page."""
    view = store.staff_view(user.staff) if user.staff else None
    if view is None:
        return []
    people = {view.staff[0].id: view.staff[0]}
    return [{"client": c.client, "tier": c.tier, "role": c.role, "since": c.since}
            for c in sorted(view.coverage, key=lambda c: (c.client, c.tier)) if coverage_active(c, people, day)]


def dashboard(run, day: date, policy: Policy, directory: Directory) -> dict[str, Any]:
    """The dashboard's figures, each with what it is measured against and the rows behind it.

    `run(name, params)` runs a report for `day` and gives its rows (cached by the web app).
    """
    from graphcrm.portfolio import AMBER_SHARE, by_grade, rag, top_clients  # noqa: I001  (the grid's module)

    grades = by_grade(run)
    total = sum(grades.values())
    gaps = run("coverage_gaps", {})
    short: dict[str, set[str]] = defaultdict(set)
    for row in gaps:
        short[row["grade"]].add(row["client"])
    gap_clients = set().union(*short.values()) if short else set()
    compliance = []
    for grade in GRADE_ORDER:
        failing = len(short[grade])
        share = (1 - failing / grades[grade]) if grades[grade] else None
        compliance.append({"grade": grade, "clients": grades[grade], "failing": failing, "share": share,
                           "rag": rag(failing, grades[grade]) if grades[grade] else "none"})
    risk = run("key_person_risk", {})
    stale = run("stale_clients", {})
    stalled = run("stalled_stages", {})
    truck = run("truck_factor", {})
    load = run("staff_load", {})
    busiest = min(load, key=lambda r: (-r["clients"], r["staff"]), default=None)
    at_risk = None
    if busiest and busiest["clients"]:
        lost = [r for r in run("departure_impact", {"staff": busiest["staff"]}) if r["lost_tiers"]]
        at_risk = {"clients": len(lost), "value": sum(r["value"] or 0.0 for r in lost)}
    cards = [
        {"key": "clients", "figure": total, "rag": "none", "report": "portfolio", "filters": {}},
        {"key": "coverage_gaps", "figure": len(gap_clients), "rag": rag(len(gap_clients), total),
         "report": "coverage_gaps", "filters": {}},
        {"key": "key_person_risk", "figure": sum(1 for r in risk if r["risk"] > 0),
         "rag": rag(sum(1 for r in risk if r["risk"] > 0), total), "report": "key_person_risk", "filters": {"risk": ">0"}},
        {"key": "end_to_end", "figure": sum(1 for r in risk if r["end_to_end_owner"]),
         "rag": rag(sum(1 for r in risk if r["end_to_end_owner"]), total), "report": "key_person_risk",
         "filters": {"end_to_end_owner": "*"}},
        {"key": "stale_clients", "figure": len(stale), "rag": rag(len(stale), total), "report": "stale_clients",
         "filters": {}},
        {"key": "stalled_stages", "figure": len(stalled), "rag": rag(len(stalled), total), "report": "stalled_stages",
         "filters": {}},
        {"key": "truck_factor", "figure": len(truck), "rag": "none", "report": "truck_factor", "filters": {}},
    ]
    return {
        "clients": total, "by_grade": grades, "max_by_grade": max(grades.values()) if grades else 0,
        "compliance": compliance, "amber_share": AMBER_SHARE, "cards": cards,
        "top": top_clients(run, policy, directory), "truck": truck,
        "busiest": busiest, "busiest_impact": at_risk,
    }

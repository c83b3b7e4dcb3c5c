"""Change over time (DESIGN 11): the `changes` report's embedded twin, and its check of the window."""

from __future__ import annotations

from datetime import date, timedelta

from graphcrm.errors import ParameterError
from graphcrm.graphindex import GraphIndex
from graphcrm.queries import Bound
from graphcrm.reports.registry import Rows, twin
from graphcrm.rules import grade_on, stage_on
from graphcrm.times import day_in

__all__ = ["changes", "check_window", "change_order"]

_ONE_DAY = timedelta(days=1)


def change_order(row: dict) -> tuple:
    """day, kind, client, staff, team, tier, from, to; a null after any value (as Cypher sorts)."""
    return (row["day"], row["kind"], *((row[k] is None, row[k] or "") for k in ("client", "staff", "team", "tier", "from", "to")))


@twin("changes")
def changes(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/changes.cypher: the events of the days since < d <= as_of, in order."""
    t, since = bound.as_of, bound.values["since"]
    only_client, only_staff = bound.values.get("client"), bound.values.get("staff")

    def inside(day: date | None) -> bool:
        return day is not None and since < day <= t

    rows: Rows = []

    def add(day, kind, client=None, staff=None, team=None, tier=None, before=None, after=None):
        if only_client is not None and client != only_client:
            return
        if only_staff is not None and staff != only_staff:
            return
        rows.append({"day": day, "kind": kind, "client": client, "staff": staff, "team": team, "tier": tier,
                     "from": before, "to": after})

    for c in g.coverage.values():
        if c.client in g.clients and c.staff in g.staff:
            if inside(c.since):
                add(c.since, "assigned", c.client, c.staff, tier=c.tier)
            if inside(c.until):
                add(c.until, "released", c.client, c.staff, tier=c.tier)
    for s in g.staff.values():
        tier = s.tier if s.tier in g.tiers else None
        if inside(s.joined):
            add(s.joined, "joined", staff=s.id, tier=tier)
        if inside(s.left):
            add(s.left, "left", staff=s.id, tier=tier)
    first, zone = g.first_tier_key(), bound.policy.zone
    for client, record in g.clients.items():
        # An assessment's or handover's day is its calendar day in the organisation's zone.
        assessments = list(g.milestones_by_client["assessment"].get(client, {}).values())
        for a in assessments:
            day = day_in(a.at, zone)
            if inside(day) and a.grade is not None:
                before = grade_on(record.grade, assessments, day - _ONE_DAY, zone)
                if before != a.grade:
                    add(day, "graded", client, before=before, after=a.grade)
        handovers = list(g.milestones_by_client["handover"].get(client, {}).values())
        for h in handovers:
            day = day_in(h.at, zone)
            if inside(day):
                add(day, "handover", client, before=stage_on(record.stage, handovers, day - _ONE_DAY, first, zone),
                    after=h.stage)
    for e in g.engagements.values():
        if e.team in g.teams and e.client in g.clients:
            if inside(e.since):
                add(e.since, "engaged", e.client, team=e.team)
            if inside(e.until):
                add(e.until, "disengaged", e.client, team=e.team)
    rows.sort(key=change_order)
    return rows


def check_window(rows: Rows, bound: Bound, tiers) -> Rows:
    """`since` must come before `as_of` (the window is since < d <= as_of)."""
    if bound.values["since"] >= bound.as_of:
        raise ParameterError(f"changes: since ({bound.values['since']}) must be before as_of ({bound.as_of})")
    return rows

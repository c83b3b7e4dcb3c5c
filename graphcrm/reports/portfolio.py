"""The embedded twin of the portfolio report: every client's grade, stage, value, teams and last interaction on a day."""

from __future__ import annotations

from graphcrm.graphindex import GraphIndex
from graphcrm.queries import Bound
from graphcrm.reports.registry import Rows, twin
from graphcrm.reports.twins import DayView
from graphcrm.rules import span_active

__all__ = ["portfolio"]


@twin("portfolio")
def portfolio(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/portfolio.cypher: one row per client, by id."""
    t = bound.as_of
    view = DayView(g, t)
    grades = view.grades()
    rows = []
    for cid in sorted(g.clients):
        client = g.clients[cid]
        stage, _ = view.stage_and_since(cid)
        teams = sorted({e.team for e in g.engagements_by_client.get(cid, {}).values() if span_active(e.since, e.until, t)})
        days = [i.day for i in g.interactions_by_client.get(cid, {}).values() if i.day <= t]
        rows.append({"client": cid, "name": client.name, "grade": grades[cid], "stage": stage, "value": client.value,
                     "teams": teams, "last": max(days) if days else None})
    return rows

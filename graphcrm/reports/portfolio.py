"""The embedded twin of the portfolio report: every client's grade, stage, value, teams and last interaction on a day."""

from __future__ import annotations

from graphcrm.graphindex import GraphIndex
from graphcrm.queries import Bound
from graphcrm.reports.registry import Rows, twin
from graphcrm.reports.twins import DayView
from graphcrm.rules import span_active
from graphcrm.times import day_in, from_micros

__all__ = ["portfolio"]


@twin("portfolio")
def portfolio(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/portfolio.cypher: one row per client, by id."""
    t = bound.as_of
    view = DayView(g, bound)
    grades, span, end, first = view.grades(), g.span(), view.end, g.first_tier_key()
    rows = []
    for cid in sorted(g.clients):
        client = g.clients[cid]
        stage, _ = view.stage_and_since(cid, first)
        teams = sorted({e.team for e in g.engagements_by_client.get(cid, {}).values() if span_active(e.since, e.until, t)})
        first_last = span.get(cid)
        if first_last is None or first_last[0] >= end:
            last_us = None
        elif first_last[1] < end:
            last_us = first_last[1]                 # the latest interaction is on or before the day
        else:
            last_us = g.source.last_before(cid, end)
        rows.append({"client": cid, "name": client.name, "grade": grades[cid], "stage": stage, "value": client.value,
                     "teams": teams, "last": day_in(from_micros(last_us), view.zone) if last_us is not None else None})
    return rows

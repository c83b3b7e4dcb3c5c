"""Trends (DESIGN 11): every report's headline figures at a series of days, computed from one read of the graph.

The figures come from the registry: each entry's `headlines` (so a report with a headline has a
trend). The organisation is read once (the store's `organisation()`: the embedded store's own index,
or Neo4j read into memory) and every day's reports run on it through their embedded twins - the
same code `run_report` runs - instead of one extraction per report and day. Points of days before
today are cached in the store; a write drops the points of the days it can change
(graphcrm.rules.history_start), so a cached point is what computing it again would give.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from graphcrm.bulk import gc_paused
from graphcrm.config import Policy
from graphcrm.errors import ParameterError
from graphcrm.graphindex import GraphIndex
from graphcrm.reports import catalogue, run_report
from graphcrm.reports.registry import Headline, Report, ReportResult
from graphcrm.times import day_in

__all__ = ["Trend", "trend_days", "trend_headlines", "run_trend", "EVERY", "MAX_POINTS"]

EVERY = ("week", "month")
MAX_POINTS = 400
#: Part of every cache key: change it when a headline's meaning changes, so old points are not reused.
TREND_VERSION = 1


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def trend_days(start: date, end: date, every: str) -> list[date]:
    """start, start + 1 week (or month, the same day of the month or its last day), ... up to end; end is always last."""
    if every not in EVERY:
        raise ParameterError(f"trend: every must be week or month, got {every!r}")
    if start > end:
        raise ParameterError(f"trend: from ({start}) is after to ({end})")
    days: list[date] = []
    step = 0
    while True:
        day = start + timedelta(weeks=step) if every == "week" else _add_months(start, step)
        if day > end:
            break
        days.append(day)
        step += 1
        if len(days) > MAX_POINTS:
            raise ParameterError(f"trend: more than {MAX_POINTS} points; choose a shorter span or a longer step")
    if days[-1] != end:
        days.append(end)
    return days


def trend_headlines() -> list[tuple[Report, Headline]]:
    """Every headline figure of the registry, by report name then as the entry lists them."""
    return [(report, headline) for report in catalogue().values() for headline in report.headlines]


@dataclass
class Trend:
    days: list[date]
    series: list[dict[str, str]]                        # [{key, label, report, worse_when}]
    points: list[dict[str, Any]]                        # [{day, <key>: figure, ...}] by day
    computed: int = 0                                   # points worked out by this call
    cached: int = 0                                     # points read from the store's cache
    columns: list[str] = field(default_factory=list)
    every: str = "month"

    def document(self) -> dict[str, Any]:
        """The trend as JSON output shows it (dates still dates: the renderer turns them to text)."""
        return {"trend": {"from": self.days[0], "to": self.days[-1], "every": self.every}, "series": self.series,
                "points": self.points, "computed": self.computed, "cached": self.cached}


class _InMemory:
    """Runs reports through their embedded twins over an organisation already in memory (what run_report needs)."""

    def __init__(self, index: GraphIndex):
        self.index = index

    def report_rows(self, report: Report, bound) -> list[dict[str, Any]]:
        return report.twin(self.index, bound)

    def tiers(self):
        return self.index.tiers_by_level()

    def existing_ids(self, kind: str, ids: list[str]) -> set[str]:
        table = {"staff": self.index.staff, "clients": self.index.clients, "teams": self.index.teams}[kind]
        return {i for i in ids if i in table}


def _key(day: date, policy: Policy, headlines: list[tuple[Report, Headline]]) -> str:
    document = {"version": TREND_VERSION, "day": day.isoformat(), "policy": policy.as_dict(),
                "series": [[report.name, headline.key] for report, headline in headlines]}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:32]


def _figures(source: _InMemory, day: date, policy: Policy, headlines) -> dict[str, Any]:
    """Every headline on one day; a report several headlines need (or one a headline's parameters need) runs once."""
    results: dict[tuple, ReportResult] = {}

    def run(name: str, params: dict[str, Any]) -> ReportResult:
        key = (name, json.dumps(params, sort_keys=True, default=str))
        if key not in results:
            results[key] = run_report(source, name, day, params, policy)
        return results[key]

    figures = {}
    for report, headline in headlines:
        params = headline.params(run) if headline.params is not None else {}
        figures[headline.key] = headline.value(run(report.name, params))
    return figures


def run_trend(store, start: date, end: date, every: str, policy: Policy, today: date | None = None) -> Trend:
    """The headline figures at each day from `start` to `end`, reusing the cached points of past days."""
    days = trend_days(start, end, every)
    today = today or day_in(datetime.now(timezone.utc), policy.zone)       # the organisation's today
    headlines = trend_headlines()
    keys = {day: _key(day, policy, headlines) for day in days}
    cached = store.trend_points([keys[d] for d in days if d < today])
    figures: dict[date, dict[str, Any]] = {d: cached[keys[d]] for d in days if keys[d] in cached}
    missing = [d for d in days if d not in figures]
    if missing:
        with store.organisation() as (index, epoch), gc_paused():
            source = _InMemory(index)
            for day in missing:
                figures[day] = _figures(source, day, policy, headlines)
        past = {keys[d]: (d, figures[d]) for d in missing if d < today}
        if past:
            store.save_trend_points(past, epoch)
    series = [{"key": h.key, "label": h.label, "report": r.name, "worse_when": h.worse_when} for r, h in headlines]
    points = [{"day": d, **figures[d]} for d in days]
    return Trend(days, series, points, computed=len(missing), cached=len(days) - len(missing),
                 columns=["day"] + [s["key"] for s in series], every=every)

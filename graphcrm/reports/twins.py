"""The embedded twin of every cypher/reports/ query: the same rows, computed in Python over the in-memory organisation.

Each twin registers itself for the query it mirrors (`@twin`), takes the GraphIndex and the bound
parameters, and returns exactly the rows of that .cypher file in the same order; the parity tests
hold the two against each other on generated organisations.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from graphcrm.graphindex import GraphIndex
from graphcrm.model import grade_rank
from graphcrm.queries import Bound
from graphcrm.reports.registry import Rows, twin
from graphcrm.rules import (
    active_staff_ids, client_risk, coverers_by_client, grade_of, in_window, round3, span_active, staff_active, stage_of,
    window_moments,
)
from graphcrm.times import DayClock, day_end, from_micros, day_in, micros

__all__ = ["DayView"]


class DayView:
    """The organisation as of one day in the organisation's time zone: active staff, active coverers, grades and stages.

    Moments are compared as microseconds: an interaction is on or before the day when its moment is
    before `end`, the first instant of the next day in the zone (graphcrm.times.day_end).
    """

    def __init__(self, g: GraphIndex, bound: Bound):
        self.g, self.day, self.policy = g, bound.as_of, bound.policy
        self.zone = bound.policy.zone
        self.end = micros(day_end(self.day, self.zone))
        self.tiers = g.tiers_by_level()
        self.tier_keys = [t.key for t in self.tiers]
        self.active_staff = active_staff_ids(g.staff, self.day)
        self._coverers: dict[str, dict[str, set[str]]] | None = None
        self._grades: dict[str, str] | None = None

    def window(self, days: int) -> tuple[int, int]:
        """The window of `days` days up to the day, as [start, end) in microseconds."""
        start, end = window_moments(self.day, days, self.zone)
        return micros(start), micros(end)

    def clock(self, days: int) -> DayClock:
        """Calendar days of moments in the `days` days up to the day (others still convert, more slowly)."""
        return DayClock(self.zone, self.day - timedelta(days=days), self.day)

    def coverers(self) -> dict[str, dict[str, set[str]]]:
        """client -> tier key -> ids of active staff actively covering that stage."""
        if self._coverers is None:
            self._coverers = coverers_by_client(self.g.coverage.values(), self.active_staff, self.day)
        return self._coverers

    def counts(self, client: str) -> dict[str, int]:
        mine = self.coverers().get(client, {})
        return {key: len(mine.get(key, ())) for key in self.tier_keys}

    def grades(self) -> dict[str, str]:
        """client -> grade on the day: its latest assessment's, else declared, else ungraded (rules.grade_on)."""
        if self._grades is None:
            assessed = self.g.milestones_by_client["assessment"]
            end, timeline = self.end, self.g.timeline
            grades = {}
            for cid, c in self.g.clients.items():
                grades[cid] = grade_of(timeline("assessment", cid).latest_before(end) if assessed.get(cid) else None, c.grade)
            self._grades = grades
        return self._grades

    def stage_and_since(self, client: str, first: str | None) -> tuple[str | None, date | None]:
        """The client's stage on the day (rules.stage_on) and the day it began: its latest handover's day, else its
        first interaction's day (when on or before the day), else None."""
        latest = (self.g.timeline("handover", client).latest_before(self.end)
                  if self.g.milestones_by_client["handover"].get(client) else None)
        stage = stage_of(latest, self.g.clients[client].stage, first)
        if latest is not None:
            return stage, day_in(latest.at, self.zone)
        span = self.g.span().get(client)
        return stage, (day_in(from_micros(span[0]), self.zone) if span is not None and span[0] < self.end else None)

    def clients_covered_by(self) -> dict[str, set[str]]:
        """staff id -> clients they actively cover (any tier)."""
        out: dict[str, set[str]] = defaultdict(set)
        for client, tiers in self.coverers().items():
            for staff in tiers.values():
                for s in staff:
                    out[s].add(client)
        return out


@twin("coverage")
def coverage(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/coverage.cypher: one row per client and tier with the staff actively covering that stage."""
    view = DayView(g, bound)
    grades, cov = view.grades(), view.coverers()
    tiers = [(tier.key, tier.level) for tier in view.tiers]
    none: dict[str, set[str]] = {}
    rows = []
    for cid in sorted(g.clients):
        name, grade, mine = g.clients[cid].name, grades[cid], cov.get(cid, none)
        for key, level in tiers:
            staff = sorted(mine.get(key, ()))
            rows.append({"client": cid, "name": name, "grade": grade, "tier": key, "level": level, "staff": staff,
                         "count": len(staff)})
    return rows


@twin("coverage_gaps")
def coverage_gaps(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/coverage_gaps.cypher: the coverage rows below min_per_tier for the client's grade."""
    view = DayView(g, bound)
    grades, cov, minimum = view.grades(), view.coverers(), bound.policy.min_per_tier
    none: dict[str, set[str]] = {}
    rows = []
    for cid, grade in grades.items():
        required, mine = minimum[grade], cov.get(cid, none)
        for level, key in enumerate(view.tier_keys):
            actual = len(mine.get(key, ()))
            if actual < required:
                rows.append({"client": cid, "grade": grade, "tier": key, "required": required, "actual": actual,
                             "shortfall": required - actual, "_level": level})
    rows.sort(key=lambda r: (grade_rank(r["grade"]), -r["shortfall"], r["client"], r["_level"]))
    for r in rows:
        del r["_level"]
    return rows


@twin("key_person_risk")
def key_person_risk(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/key_person_risk.cypher: clients with at least one key-person flag, weighted by grade."""
    t, policy = bound.as_of, bound.policy
    view = DayView(g, bound)
    grades, cov = view.grades(), view.coverers()
    windows: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for client, _, staff in g.source.window(*view.window(policy.concentration_window_days)):
        windows[client].append(staff)
    none: dict[str, set[str]] = {}
    rows = []
    for cid in sorted(g.clients):
        grade = grades[cid]
        risk = client_risk(cov.get(cid, none), view.tier_keys, (), t, policy, grade, window=windows.get(cid, []))
        flags = risk.pop("flags")
        risk.pop("single_point_flag")
        if flags:
            rows.append({"client": cid, "grade": grade, **risk, "risk": policy.weight[grade] * flags})
    rows.sort(key=lambda r: (-r["risk"], r["client"]))
    return rows


@twin("departure_impact")
def departure_impact(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/departure_impact.cypher: what the given staff leaving on as_of orphans, with successors as [{tier, staff}]."""
    params, policy = bound.values, bound.policy
    leaving = set(params.get("staff") or [])
    view = DayView(g, bound)
    grades, cov = view.grades(), view.coverers()
    load = view.clients_covered_by()
    rows = []
    for cid in sorted(g.clients):
        mine = cov.get(cid, {})
        covering = set().union(*mine.values()) if mine else set()
        if not leaving & covering:
            continue
        required = policy.min_per_tier[grades[cid]]
        lost, below = [], []
        for key in view.tier_keys:
            before = mine.get(key, set())
            after = before - leaving
            if before and not after:
                lost.append(key)
            elif len(before) >= required > len(after) >= 1:
                below.append(key)
        if not lost and not below:
            continue
        successors = [{"tier": key, "staff": _successors(g, view, cid, key, leaving, load, policy)} for key in lost]
        client = g.clients[cid]
        rows.append({"client": cid, "grade": grades[cid], "value": client.value, "lost_tiers": lost,
                     "below_policy_tiers": below, "successors": successors})
    rows.sort(key=lambda r: (grade_rank(r["grade"]), r["client"]))
    return rows


def _successors(g: GraphIndex, view: DayView, client: str, tier: str, leaving: set[str],
                load: dict[str, set[str]], policy) -> list[str]:
    """Up to 3 active staff of `tier` who stay: recent contact, then team engagement, then light load, then id."""
    t = view.day
    recent = {s for staff in g.source.client_window(client, *view.window(policy.concentration_window_days)) for s in staff}
    engaged_teams = {e.team for e in g.engagements_by_client.get(client, {}).values() if span_active(e.since, e.until, t)}
    in_team = {m.staff for team in engaged_teams for m in g.memberships_by_team.get(team, {}).values()
               if span_active(m.since, m.until, t)}
    candidates = [s for s in view.active_staff if g.staff[s].tier == tier and s not in leaving]
    candidates.sort(key=lambda s: (s not in recent, s not in in_team, len(load.get(s, ())), s))
    return candidates[:3]


@twin("staff_load")
def staff_load(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/staff_load.cypher: clients per active staff member, by grade, against capacity."""
    view = DayView(g, bound)
    grades, load = view.grades(), view.clients_covered_by()
    rows = []
    for sid in view.active_staff:
        s = g.staff[sid]
        clients = load.get(sid, set())
        by = defaultdict(int)
        for cid in clients:
            by[grades[cid]] += 1
        rows.append({"staff": sid, "tier": s.tier, "clients": len(clients), "a": by["A"], "b": by["B"], "c": by["C"],
                     "ungraded": by["ungraded"], "capacity": s.capacity,
                     "utilisation": round3(len(clients) / s.capacity) if s.capacity else None})
    rows.sort(key=lambda r: (r["utilisation"] is None, -(r["utilisation"] or 0), r["staff"]))
    return rows


@twin("stale_clients")
def stale_clients(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/stale_clients.cypher: clients silent for longer than their grade allows."""
    t, policy = bound.as_of, bound.policy
    view = DayView(g, bound)
    grades, span, end = view.grades(), g.span(), view.end
    clock = view.clock(max(policy.max_silence_days.values()) + 1)
    t_ordinal = t.toordinal()
    rows = []
    for cid in g.clients:
        first_last = span.get(cid)
        if first_last is None:
            last_us = None
        elif first_last[1] < end:
            last_us = first_last[1]             # the latest interaction is on or before the day
        else:
            last_us = g.source.last_before(cid, end) if first_last[0] < end else None
        limit = policy.max_silence_days[grades[cid]]
        if last_us is None:
            rows.append({"client": cid, "grade": grades[cid], "last": None, "days_silent": None, "limit": limit})
            continue
        silent = t_ordinal - clock.ordinal(last_us)
        if silent > limit:
            rows.append({"client": cid, "grade": grades[cid], "last": date.fromordinal(t_ordinal - silent),
                         "days_silent": silent, "limit": limit})
    rows.sort(key=lambda r: (grade_rank(r["grade"]), r["days_silent"] is not None, -(r["days_silent"] or 0), r["client"]))
    return rows


@twin("missed_demand")
def missed_demand(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/missed_demand.cypher: needs captured by tier 1 against needs missed, per tier-1 person."""
    t, policy = bound.as_of, bound.policy
    first = {tier.key for tier in g.tiers.values() if tier.level == 1}
    tally: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for need in g.needs.values():
        d = need.detected
        if not in_window(d, t, policy.missed_window_days):
            continue
        intel = {c.staff for c in g.coverage_by_client.get(need.client, {}).values()
                 if c.tier in first and span_active(c.since, c.until, d) and staff_active(g.staff.get(c.staff), d)}
        if need.staff is not None and need.staff in intel:
            tally[need.staff][0] += 1
        elif intel:
            for s in intel:
                tally[s][1] += 1
        else:
            tally[None][1] += 1
    rows = [{"staff": s, "captured": c, "missed": m, "capture_rate": round3(c / (c + m))} for s, (c, m) in tally.items()]
    rows.sort(key=lambda r: (-r["missed"], r["staff"] is None, r["staff"] or ""))
    return rows


@twin("team_coverage")
def team_coverage(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/team_coverage.cypher: per team: members, tiers, engaged clients and how many are fully staffed by it."""
    t = bound.as_of
    view = DayView(g, bound)
    cov = view.coverers()
    level = {tier.key: tier.level for tier in view.tiers}
    rows = []
    for tid in sorted(g.teams):
        members = {m.staff for m in g.memberships_by_team.get(tid, {}).values()
                   if span_active(m.since, m.until, t) and m.staff in view.active_staff}
        tiers = sorted({g.staff[s].tier for s in members if g.staff[s].tier in level}, key=lambda k: (level[k], k))
        clients = {e.client for e in g.engagements_by_team.get(tid, {}).values() if span_active(e.since, e.until, t)}
        full = sum(1 for cid in clients
                   if all(cov.get(cid, {}).get(key, set()) & members for key in view.tier_keys))
        rows.append({"team": tid, "members": len(members), "tiers": tiers, "clients": len(clients),
                     "fully_staffed": full, "full_rate": round3(full / len(clients)) if clients else None})
    return rows


@twin("relationships")
def relationships(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/relationships.cypher: staff-client relationship strength over the concentration window."""
    t, policy = bound.as_of, bound.policy
    view = DayView(g, bound)
    days = policy.concentration_window_days
    clock, t_ordinal = view.clock(days), t.toordinal()
    decay = [0.5 ** (age / 30) for age in range(days + 1)]
    pairs: dict[tuple[str, str], list] = {}
    for client, us, staff in g.source.window(*view.window(days)):
        age = t_ordinal - clock.ordinal(us)
        weight = decay[age]
        for s in staff:
            entry = pairs.get((s, client))
            if entry is None:
                pairs[(s, client)] = [1, age, weight]
            else:
                entry[0] += 1
                if age < entry[1]:
                    entry[1] = age
                entry[2] += weight
    rows = [{"staff": s, "client": c, "interactions": n, "last": date.fromordinal(t_ordinal - age),
             "strength": round3(strength)} for (s, c), (n, age, strength) in pairs.items()]
    rows.sort(key=lambda r: (-r["strength"], r["staff"], r["client"]))
    return rows


@twin("stalled_stages")
def stalled_stages(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/stalled_stages.cypher: clients sitting in their stage longer than max_stage_days."""
    t, policy = bound.as_of, bound.policy
    view = DayView(g, bound)
    grades, first = view.grades(), g.first_tier_key()
    rows = []
    for cid in g.clients:
        stage, since = view.stage_and_since(cid, first)
        if since is None:
            continue
        days = (t - since).days
        if days > policy.stage_limit(stage):
            rows.append({"client": cid, "grade": grades[cid], "stage": stage, "since": since, "days": days})
    rows.sort(key=lambda r: (-r["days"], r["client"]))
    return rows


@twin("active_coverage")
def active_coverage(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/active_coverage.cypher: the active coverage graph on as_of, for the networkx reports."""
    view = DayView(g, bound)
    known = set(view.tier_keys)
    edges = sorted((s, c, k) for c, tiers in view.coverers().items() for k, staff in tiers.items() if k in known
                   for s in staff)
    value = {c: g.clients[c].value for c in view.coverers()}
    return [{"staff": s, "client": c, "tier": k, "value": value[c]} for s, c, k in edges]

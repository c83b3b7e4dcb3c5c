"""The embedded twin of every cypher/reports/ query: the same rows, computed in Python over the in-memory organisation.

Each twin registers itself for the query it mirrors (`@twin`), takes the GraphIndex and the bound
parameters, and returns exactly the rows of that .cypher file in the same order; the parity tests
hold the two against each other on generated organisations.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from graphcrm.graphindex import GraphIndex
from graphcrm.model import grade_rank
from graphcrm.queries import Bound
from graphcrm.reports.registry import Rows, twin
from graphcrm.rules import client_risk, grade_on, in_window, round3, span_active, staff_active, stage_on

__all__ = ["DayView"]


class DayView:
    """The organisation as of one day: active staff, active coverers, grades and stages."""

    def __init__(self, g: GraphIndex, day: date):
        self.g, self.day = g, day
        self.tiers = g.tiers_by_level()
        self.tier_keys = [t.key for t in self.tiers]
        self.active_staff = {sid for sid, s in g.staff.items() if staff_active(s, day)}
        self._coverers: dict[str, dict[str, set[str]]] | None = None
        self._grades: dict[str, str] | None = None

    def coverers(self) -> dict[str, dict[str, set[str]]]:
        """client -> tier key -> ids of active staff actively covering that stage."""
        if self._coverers is None:
            found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
            for c in self.g.coverage.values():
                if c.staff in self.active_staff and span_active(c.since, c.until, self.day):
                    found[c.client][c.tier].add(c.staff)
            self._coverers = found
        return self._coverers

    def counts(self, client: str) -> dict[str, int]:
        mine = self.coverers().get(client, {})
        return {key: len(mine.get(key, ())) for key in self.tier_keys}

    def grades(self) -> dict[str, str]:
        if self._grades is None:
            assessed = self.g.milestones_by_client["assessment"]
            self._grades = {cid: grade_on(c.grade, assessed[cid].values() if cid in assessed else (), self.day)
                            for cid, c in self.g.clients.items()}
        return self._grades

    def stage_and_since(self, client: str) -> tuple[str | None, Any]:
        interactions = self.g.interactions_by_client.get(client, {}).values()
        handed = self.g.milestones_by_client["handover"]
        handovers = list(handed[client].values()) if client in handed else []
        stage = stage_on(self.g.clients[client].stage, handovers, self.day, self.g.first_tier_key())
        past = [i for i in handovers if i.day <= self.day]
        if past:
            since = max(past, key=lambda i: (i.at, i.id)).day
        else:
            days = [i.day for i in interactions if i.day <= self.day]
            since = min(days) if days else None
        return stage, since

    def clients_covered_by(self) -> dict[str, set[str]]:
        """staff id -> clients they actively cover (any tier)."""
        out: dict[str, set[str]] = defaultdict(set)
        for client, tiers in self.coverers().items():
            for staff in set().union(*tiers.values()) if tiers else ():
                out[staff].add(client)
        return out


@twin("coverage")
def coverage(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/coverage.cypher: one row per client and tier with the staff actively covering that stage."""
    t = bound.as_of
    view = DayView(g, t)
    grades, cov = view.grades(), view.coverers()
    rows = []
    for cid in sorted(g.clients):
        client = g.clients[cid]
        for tier in view.tiers:
            staff = sorted(cov.get(cid, {}).get(tier.key, ()))
            rows.append({"client": cid, "name": client.name, "grade": grades[cid], "tier": tier.key,
                         "level": tier.level, "staff": staff, "count": len(staff)})
    return rows


@twin("coverage_gaps")
def coverage_gaps(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/coverage_gaps.cypher: the coverage rows below min_per_tier for the client's grade."""
    policy = bound.policy
    rows = []
    for row in coverage(g, bound):
        required = policy.min_per_tier[row["grade"]]
        if row["count"] < required:
            rows.append({"client": row["client"], "grade": row["grade"], "tier": row["tier"], "required": required,
                         "actual": row["count"], "shortfall": required - row["count"], "_level": row["level"]})
    rows.sort(key=lambda r: (grade_rank(r["grade"]), -r["shortfall"], r["client"], r["_level"]))
    for r in rows:
        del r["_level"]
    return rows


@twin("key_person_risk")
def key_person_risk(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/key_person_risk.cypher: clients with at least one key-person flag, weighted by grade."""
    t, policy = bound.as_of, bound.policy
    view = DayView(g, t)
    grades, cov = view.grades(), view.coverers()
    rows = []
    for cid in sorted(g.clients):
        grade = grades[cid]
        risk = client_risk(cov.get(cid, {}), view.tier_keys, g.interactions_by_client.get(cid, {}).values(), t, policy,
                           grade)
        flags = risk.pop("flags")
        risk.pop("single_point_flag")
        if flags:
            rows.append({"client": cid, "grade": grade, **risk, "risk": policy.weight[grade] * flags})
    rows.sort(key=lambda r: (-r["risk"], r["client"]))
    return rows


@twin("departure_impact")
def departure_impact(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/departure_impact.cypher: what the given staff leaving on as_of orphans, with successors as [{tier, staff}]."""
    t, params, policy = bound.as_of, bound.values, bound.policy
    leaving = set(params.get("staff") or [])
    view = DayView(g, t)
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
    recent = set()
    for i in g.interactions_by_client.get(client, {}).values():
        if in_window(i.day, t, policy.concentration_window_days):
            recent.update(i.staff)
    engaged_teams = {e.team for e in g.engagements_by_client.get(client, {}).values() if span_active(e.since, e.until, t)}
    in_team = {m.staff for team in engaged_teams for m in g.memberships_by_team.get(team, {}).values()
               if span_active(m.since, m.until, t)}
    candidates = [s for s in view.active_staff if g.staff[s].tier == tier and s not in leaving]
    candidates.sort(key=lambda s: (s not in recent, s not in in_team, len(load.get(s, ())), s))
    return candidates[:3]


@twin("staff_load")
def staff_load(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/staff_load.cypher: clients per active staff member, by grade, against capacity."""
    t = bound.as_of
    view = DayView(g, t)
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
    grades = DayView(g, t).grades()
    rows = []
    for cid in g.clients:
        days = [i.day for i in g.interactions_by_client.get(cid, {}).values() if i.day <= t]
        last = max(days) if days else None
        silent = (t - last).days if last else None
        limit = policy.max_silence_days[grades[cid]]
        if silent is None or silent > limit:
            rows.append({"client": cid, "grade": grades[cid], "last": last, "days_silent": silent, "limit": limit})
    rows.sort(key=lambda r: (grade_rank(r["grade"]), r["days_silent"] is not None, -(r["days_silent"] or 0), r["client"]))
    return rows


@twin("missed_demand")
def missed_demand(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/missed_demand.cypher: needs captured by tier 1 against needs missed, per tier-1 person."""
    t, policy = bound.as_of, bound.policy
    first = {tier.key for tier in g.tiers.values() if tier.level == 1}
    tally: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for need in g.needs.values():
        if not in_window(need.detected, t, policy.missed_window_days):
            continue
        d = need.detected
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
    view = DayView(g, t)
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
    pairs: dict[tuple[str, str], list] = {}
    for i in g.interactions.values():
        if not in_window(i.day, t, policy.concentration_window_days):
            continue
        age = (t - i.day).days
        for s in i.staff:
            entry = pairs.setdefault((s, i.client), [0, i.day, 0.0])
            entry[0] += 1
            entry[1] = max(entry[1], i.day)
            entry[2] += 0.5 ** (age / 30)
    rows = [{"staff": s, "client": c, "interactions": n, "last": last, "strength": round3(strength)}
            for (s, c), (n, last, strength) in pairs.items()]
    rows.sort(key=lambda r: (-r["strength"], r["staff"], r["client"]))
    return rows


@twin("stalled_stages")
def stalled_stages(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/stalled_stages.cypher: clients sitting in their stage longer than max_stage_days."""
    t, policy = bound.as_of, bound.policy
    view = DayView(g, t)
    grades = view.grades()
    rows = []
    for cid in g.clients:
        stage, since = view.stage_and_since(cid)
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
    view = DayView(g, bound.as_of)
    known = set(view.tier_keys)
    edges = sorted((s, c, k) for c, tiers in view.coverers().items() for k, staff in tiers.items() if k in known
                   for s in staff)
    return [{"staff": s, "client": c, "tier": k, "value": g.clients[c].value} for s, c, k in edges]

"""The embedded twin of every Cypher report: the same rows, computed in Python over the in-memory GraphIndex."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, Callable

from graphcrm.config import Policy
from graphcrm.model import grade_rank
from graphcrm.stores.memory import GraphIndex
from graphcrm.timeline import grade_on, in_window, round3, span_active, staff_active, stage_on, window_start

__all__ = ["EMBEDDED_REPORTS", "DayView", "client_risk"]

Rows = list[dict[str, Any]]


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


def coverage(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
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


def coverage_gaps(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
    rows = []
    for row in coverage(g, t, params, policy):
        required = policy.min_per_tier[row["grade"]]
        if row["count"] < required:
            rows.append({"client": row["client"], "grade": row["grade"], "tier": row["tier"], "required": required,
                         "actual": row["count"], "shortfall": required - row["count"], "_level": row["level"]})
    rows.sort(key=lambda r: (grade_rank(r["grade"]), -r["shortfall"], r["client"], r["_level"]))
    for r in rows:
        del r["_level"]
    return rows


def _concentration(interactions, t: date, policy: Policy) -> tuple[str | None, float | None]:
    start = window_start(t, policy.concentration_window_days)      # the window is start < day <= t
    window = [i for i in interactions if start < i.at.date() <= t]
    if len(window) < policy.concentration_min_interactions or not window:
        return None, None
    took_part: dict[str, int] = defaultdict(int)
    for i in window:
        for s in i.staff:
            took_part[s] += 1
    if not took_part:
        return None, None
    staff, n = min(took_part.items(), key=lambda kv: (-kv[1], kv[0]))
    share = n / len(window)
    if share >= policy.concentration_share:
        return staff, round3(share)
    return None, None


def client_risk(coverers: dict[str, set[str]], tier_keys: list[str], interactions, t: date, policy: Policy) -> dict[str, Any]:
    """The key-person flags of one client (DESIGN 5.3): the one home of these rules, for the report and the client page."""
    counts = [len(coverers.get(k, ())) for k in tier_keys]
    bus_factor = min(counts) if counts else 0
    single = [k for k, n in zip(tier_keys, counts) if n == 1]
    tiers_of: dict[str, set[str]] = defaultdict(set)
    for key, staff in coverers.items():
        for s in staff:
            tiers_of[s].add(key)
    multi = sorted(s for s, ts in tiers_of.items() if len(ts) >= 2)
    everything = set(tier_keys)
    owners = sorted(s for s, ts in tiers_of.items() if len(everything) >= 2 and ts >= everything)
    owner = owners[0] if owners else None
    conc_owner, conc_share = _concentration(interactions, t, policy)
    flags = sum((bus_factor == 0, bool(single), bool(multi), owner is not None, conc_owner is not None))
    return {"bus_factor": bus_factor, "single_point_tiers": single, "multi_tier_staff": multi, "end_to_end_owner": owner,
            "concentration_owner": conc_owner, "concentration_share": conc_share, "flags": flags}


def key_person_risk(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
    view = DayView(g, t)
    grades, cov = view.grades(), view.coverers()
    rows = []
    for cid in sorted(g.clients):
        risk = client_risk(cov.get(cid, {}), view.tier_keys, g.interactions_by_client.get(cid, {}).values(), t, policy)
        flags = risk.pop("flags")
        if flags:
            grade = grades[cid]
            rows.append({"client": cid, "grade": grade, **risk, "risk": policy.weight[grade] * flags})
    rows.sort(key=lambda r: (-r["risk"], r["client"]))
    return rows


def departure_impact(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
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
        successors = {key: _successors(g, view, cid, key, leaving, load, policy) for key in lost}
        client = g.clients[cid]
        rows.append({"client": cid, "grade": grades[cid], "value": client.value, "lost_tiers": lost,
                     "below_policy_tiers": below, "successors": successors})
    rows.sort(key=lambda r: (grade_rank(r["grade"]), r["client"]))
    return rows


def _successors(g: GraphIndex, view: DayView, client: str, tier: str, leaving: set[str],
                load: dict[str, set[str]], policy: Policy) -> list[str]:
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


def staff_load(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
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


def stale_clients(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
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


def missed_demand(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
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


def team_coverage(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
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


def relationships(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
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


def stalled_stages(g: GraphIndex, t: date, params: dict, policy: Policy) -> Rows:
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


def coverage_extract(g: GraphIndex, t: date):
    """The active coverage graph on `t`, as the active_coverage/tier_keys queries return it on Neo4j."""
    from graphcrm.reports.analytics import CoverageExtract

    view = DayView(g, t)
    edges = sorted((s, c, k) for c, tiers in view.coverers().items() for k, staff in tiers.items() for s in staff)
    values = {c: g.clients[c].value for _, c, _ in edges}
    return CoverageExtract(view.tier_keys, edges, values)


EMBEDDED_REPORTS: dict[str, Callable] = {
    "coverage": coverage,
    "coverage_gaps": coverage_gaps,
    "key_person_risk": key_person_risk,
    "departure_impact": departure_impact,
    "staff_load": staff_load,
    "stale_clients": stale_clients,
    "missed_demand": missed_demand,
    "team_coverage": team_coverage,
    "relationships": relationships,
    "stalled_stages": stalled_stages,
}

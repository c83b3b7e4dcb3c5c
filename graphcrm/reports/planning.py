"""The coverage planner (report coverage_plan, DESIGN 10): slots, candidates, the plan, releases, reasons and the summary.

Both stores extract the same facts (cypher/reports/plan_extract.cypher, or its twin here); `plan_report`
turns them into the plan on either store with networkx (`planflow`). The summary counts what the
coverage_gaps and key_person_risk rules say about the graph with the leavers gone (before) and with
the plan applied (after), through the rules' own functions in graphcrm.rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graphcrm.graphindex import GraphIndex
from graphcrm.model import GRADE_ORDER, grade_rank
from graphcrm.queries import Bound
from graphcrm.reports.planapply import plan_fingerprint
from graphcrm.reports.planflow import Room, TierProblem
from graphcrm.reports.plansolve import solve
from graphcrm.reports.registry import Rows, twin
from graphcrm.reports.twins import DayView
from graphcrm.rules import can_end_on, concentration_of, risk_flags, round3, shortfall, span_active

__all__ = ["PlanFacts", "PlanRows", "plan_report", "plan_summary", "plan_extract"]


@dataclass
class PlanFacts:
    """The extraction, by record: what the plan is computed on."""

    tiers: list[str]
    staff: dict[str, dict[str, Any]]                      # active staff: name, tier, capacity, teams
    teams: dict[str, str]                                 # team -> name
    grade: dict[str, str] = field(default_factory=dict)   # client -> grade on as_of
    cover: dict[str, list[tuple[str, str, date | None]]] = field(default_factory=dict)   # client -> (staff, tier, since)
    engaged: dict[str, list[str]] = field(default_factory=dict)                          # client -> teams
    owner: dict[str, tuple[str | None, float | None]] = field(default_factory=dict)     # client -> concentration
    know: dict[str, dict[str, float]] = field(default_factory=dict)     # client -> candidate -> strength

    @classmethod
    def from_rows(cls, tiers: list[str], rows: Rows) -> "PlanFacts":
        facts = cls(tiers, {}, {})
        for row in rows:
            if row["kind"] == "staff":
                facts.staff[row["id"]] = {"name": row["name"] or row["id"], "tier": row["tier"],
                                          "capacity": row["capacity"], "teams": row["teams"]}
            elif row["kind"] == "team":
                facts.teams[row["id"]] = row["name"] or row["id"]
            else:
                client = row["id"]
                facts.grade[client] = row["grade"]
                facts.cover[client] = [(c["staff"], c["tier"], c["since"]) for c in row["cover"]]
                facts.engaged[client] = row["teams"]
                facts.owner[client] = (row["owner"], row["share"])
                facts.know[client] = {k["staff"]: k["strength"] for k in row["know"]}
        return facts

    def coverers(self, client: str, without: set[str] = frozenset()) -> dict[str, set[str]]:
        """Tier key -> active coverers of the client, for the known tiers, leaving out `without`."""
        found: dict[str, set[str]] = {k: set() for k in self.tiers}
        for staff, tier, _ in self.cover.get(client, ()):
            if tier in found and staff not in without:
                found[tier].add(staff)
        return found

    def loads(self) -> dict[str, int]:
        """Distinct clients each person actively covers (any tier), as staff_load counts them."""
        clients: dict[str, set[str]] = defaultdict(set)
        for client, spans in self.cover.items():
            for staff, _, _ in spans:
                clients[staff].add(client)
        return {s: len(c) for s, c in clients.items()}

    def name(self, staff: str) -> str:
        return self.staff.get(staff, {}).get("name") or staff


class PlanRows(list):
    """The plan's rows, carrying the summary worked out with them from the same extraction."""

    summary: dict[str, Any]


@twin("plan_extract")
def plan_extract(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/plan_extract.cypher: active staff, teams and clients with what the planner needs."""
    t, window_days = bound.as_of, bound.policy.concentration_window_days
    view = DayView(g, bound)
    grades = view.grades()
    # The window's interactions once, by moment (the source's index); each on its day in the organisation's zone.
    clock, t_ordinal = view.clock(window_days), t.toordinal()
    window: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
    for client, us, staff in g.source.window(*view.window(window_days)):
        window[client].append((t_ordinal - clock.ordinal(us), staff))
    rows: Rows = []
    for client in sorted(g.clients):
        spans = sorted(((c.staff, c.tier, c.since) for c in g.coverage_by_client.get(client, {}).values()
                        if c.staff in view.active_staff and span_active(c.since, c.until, t)),
                       key=lambda x: (x[0], x[1], x[2] is None, x[2] or date.min))
        teams = sorted({e.team for e in g.engagements_by_client.get(client, {}).values() if span_active(e.since, e.until, t)})
        recent = window.get(client, [])
        owner, share = concentration_of([staff for _, staff in recent], bound.policy)
        covering = {s for s, _, _ in spans}
        strength: dict[str, float] = defaultdict(float)
        for age, staff in recent:
            for s in staff:
                if s in view.active_staff and s not in covering:
                    strength[s] += 0.5 ** (age / 30)
        rows.append({"kind": "client", "id": client, "name": None, "tier": None, "capacity": None, "teams": teams,
                     "grade": grades[client], "cover": [{"staff": s, "tier": k, "since": d} for s, k, d in spans],
                     "owner": owner, "share": share,
                     "know": [{"staff": s, "strength": round3(x)} for s, x in sorted(strength.items())]})
    for sid in sorted(view.active_staff):
        s = g.staff[sid]
        teams = sorted({m.team for m in g.memberships_by_staff.get(sid, {}).values() if span_active(m.since, m.until, t)})
        rows.append({"kind": "staff", "id": sid, "name": s.name, "tier": s.tier if s.tier in g.tiers else None,
                     "capacity": s.capacity, "teams": teams, "grade": None, "cover": None, "owner": None, "share": None,
                     "know": None})
    for tid in sorted(g.teams):
        rows.append({"kind": "team", "id": tid, "name": g.teams[tid].name, "tier": None, "capacity": None, "teams": None,
                     "grade": None, "cover": None, "owner": None, "share": None, "know": None})
    return rows


# -- the plan ----------------------------------------------------------------------------------------
def _milli(strength: float | None) -> int:
    return int(round((strength or 0.0) * 1000))


def _problems(facts: PlanFacts, leaving: set[str], policy) -> tuple[dict[str, TierProblem], dict]:
    """One TierProblem per tier, and the slots: (client, tier) -> (units, coverers left, leavers who covered it)."""
    loads = facts.loads()
    rooms: dict[str, dict[str, Room]] = {k: {} for k in facts.tiers}
    for sid, person in facts.staff.items():
        if sid in leaving or person["tier"] not in rooms:
            continue
        capacity = person["capacity"] if person["capacity"] is not None else policy.default_capacity
        load = loads.get(sid, 0)
        rooms[person["tier"]][sid] = Room(max(0, capacity - load), load, capacity)
    problems = {k: TierProblem({}, {}, rooms[k]) for k in facts.tiers}
    members: dict[str, set[str]] = defaultdict(set)
    for sid, person in facts.staff.items():
        for team in person["teams"]:
            members[team].add(sid)
    slots: dict[tuple[str, str], tuple[int, int, list[str]]] = {}
    for client in sorted(facts.grade):
        grade = facts.grade[client]
        required = policy.min_per_tier[grade]
        everyone = facts.coverers(client)
        staying = facts.coverers(client, leaving)
        covering = {s for s, _, _ in facts.cover.get(client, ())}
        for tier in facts.tiers:
            units = shortfall(len(staying[tier]), required)
            if not units:
                continue
            slots[(client, tier)] = (units, len(staying[tier]), sorted(everyone[tier] & leaving))
            problem = problems[tier]
            problem.units[client] = units
            problem.weight[client] = policy.weight[grade]
            problem.excluded[client] = covering
            know = facts.know.get(client, {})
            in_team = set().union(*(members[t] for t in facts.engaged.get(client, ())))
            # Only people who know the client or are in a team engaging it can beat any other candidate.
            for sid in (set(know) | in_team) & problem.room.keys():
                strength = _milli(know.get(sid, 0.0))
                team = int(sid in in_team)
                if (strength or team) and sid not in covering:
                    problem.special[(client, sid)] = (strength, team)
    return {k: p for k, p in problems.items() if p.units}, slots


def _releases(facts: PlanFacts, leaving: set[str], assigned: dict[tuple[str, str], list[str]], policy,
              since_of: dict[tuple[str, str, str], list[date | None]], as_of: date) -> list[tuple[str, str, str, int, int]]:
    """Off-tier coverage that policy no longer needs after the plan: (client, tier, staff, left after, required)."""
    out = []
    for client in sorted(facts.grade):
        required = policy.min_per_tier[facts.grade[client]]
        staying = facts.coverers(client, leaving)
        for tier in facts.tiers:
            count = len(staying[tier]) + len(assigned.get((client, tier), ()))
            for sid in sorted(staying[tier]):
                if facts.staff.get(sid, {}).get("tier") == tier:
                    continue
                # Judged one after another by id, each on what remains; a span that began today cannot end today.
                if count - 1 >= required and all(can_end_on(d, None, as_of) for d in since_of[(client, tier, sid)]):
                    out.append((client, tier, sid, count - 1, required))
                    count -= 1
    return out


def plan_report(rows: Rows, bound: Bound, tiers) -> PlanRows:
    """coverage_plan from the plan_extract rows, on either store (the `finish` of the registry entry)."""
    policy, as_of = bound.policy, bound.as_of
    leaving = set(bound.values.get("leaving") or [])
    facts = PlanFacts.from_rows(tiers(), rows)
    problems, slots = _problems(facts, leaving, policy)
    plan = solve(problems)
    assigned: dict[tuple[str, str], list[str]] = defaultdict(list)
    for tier, pairs in plan.items():
        for client, sid in pairs:
            assigned[(client, tier)].append(sid)
    since_of: dict[tuple[str, str, str], list] = defaultdict(list)
    for client, spans in facts.cover.items():
        for sid, tier, since in spans:
            since_of[(client, tier, sid)].append(since)
    releases = _releases(facts, leaving, assigned, policy, since_of, as_of)
    level = {k: n for n, k in enumerate(facts.tiers)}
    out = PlanRows()
    for (client, tier), people in assigned.items():
        units, staying, leavers = slots[(client, tier)]
        for sid in people:
            out.append({"client": client, "grade": facts.grade[client], "tier": tier, "action": "assign", "staff": sid,
                        "reason": "leaving" if leavers else "gap",
                        "why": _why_assign(facts, problems[tier], client, tier, sid, leavers, staying, policy)})
    for client, tier, sid, left, required in releases:
        out.append({"client": client, "grade": facts.grade[client], "tier": tier, "action": "release", "staff": sid,
                    "reason": "off_tier", "why": _why_release(facts, tier, sid, left, required)})
    out.sort(key=lambda r: (grade_rank(r["grade"]), r["client"], level[r["tier"]], r["action"], r["staff"]))
    out.summary = _summary(facts, leaving, slots, assigned, releases, policy, bound, out)
    return out


def plan_summary(rows: Rows, bound: Bound) -> dict[str, Any]:
    """The summary `plan_report` worked out with the rows."""
    return rows.summary


# -- reasons in words ----------------------------------------------------------------------------------
def _places(n: int) -> str:
    return f"{n} free place" + ("" if n == 1 else "s")


def _names(facts: PlanFacts, ids: list[str]) -> str:
    names = [facts.name(s) for s in ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _why_assign(facts: PlanFacts, problem: TierProblem, client: str, tier: str, sid: str, leavers: list[str],
                staying: int, policy) -> str:
    required = policy.min_per_tier[facts.grade[client]]
    if leavers:
        opening = f"Replaces {_names(facts, leavers)}, who {'is' if len(leavers) == 1 else 'are'} leaving"
    else:
        opening = f"The {tier} stage has {staying} of the {required} {'person' if required == 1 else 'people'} it needs"
    strength, team = problem.special.get((client, sid), (0, 0))
    who = facts.name(sid)
    spare = _places(problem.room[sid].spare)
    shared = sorted(set(facts.engaged.get(client, ())) & set(facts.staff[sid]["teams"]))
    team_name = facts.teams.get(shared[0], shared[0]) if shared else ""
    if strength and team:
        clause = f"{who} already visits this client, is in {team_name}, which works with it, and has {spare}"
    elif strength:
        clause = f"{who} already visits this client and has {spare}"
    elif team:
        clause = f"{who} is in {team_name}, which works with this client, and has {spare}"
    else:
        clause = f"{who} works in {tier}, does not cover this client yet and has {spare}"
    return f"{opening}: {clause}."


def _why_release(facts: PlanFacts, tier: str, sid: str, left: int, required: int) -> str:
    own = facts.staff.get(sid, {}).get("tier")
    works = f"works in {own}" if own else "has no tier"
    people = f"{left} {'person' if left == 1 else 'people'}"
    return (f"{facts.name(sid)} covers the {tier} stage but {works}; {tier} keeps {people} without them "
            f"({required} needed), so this coverage can end.")


# -- the summary: the rules on the graph before and after -------------------------------------------------
def _counts(facts: PlanFacts, policy, coverers_of) -> dict[str, int]:
    gaps = risky = 0
    for client in facts.grade:
        grade = facts.grade[client]
        coverers = coverers_of(client)
        required = policy.min_per_tier[grade]
        if any(shortfall(len(coverers[k]), required) for k in facts.tiers):
            gaps += 1
        owner, share = facts.owner.get(client, (None, None))
        flags = risk_flags(coverers, facts.tiers, policy, grade, owner, share)["flags"]
        if policy.weight[grade] * flags > 0:
            risky += 1
    return {"coverage_gaps": gaps, "key_person_risk": risky}


def _summary(facts: PlanFacts, leaving: set[str], slots, assigned, releases, policy, bound: Bound,
             rows: Rows) -> dict[str, Any]:
    by_grade = {g: {"slots": 0, "filled": 0, "unfilled": 0} for g in GRADE_ORDER}
    for (client, tier), (units, _, _) in slots.items():
        entry = by_grade[facts.grade[client]]
        filled = len(assigned.get((client, tier), ()))
        entry["slots"] += units
        entry["filled"] += filled
        entry["unfilled"] += units - filled
    released: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for client, tier, sid, _, _ in releases:
        released[client].add((tier, sid))

    def after(client: str) -> dict[str, set[str]]:
        coverers = facts.coverers(client, leaving)
        for tier in facts.tiers:
            coverers[tier] |= set(assigned.get((client, tier), ()))
            coverers[tier] -= {sid for k, sid in released.get(client, ()) if k == tier}
        return coverers

    totals = {key: sum(v[key] for v in by_grade.values()) for key in ("slots", "filled", "unfilled")}
    return {**totals, "by_grade": by_grade,
            "before": _counts(facts, policy, lambda c: facts.coverers(c, leaving)),
            "after": _counts(facts, policy, after),
            "fingerprint": plan_fingerprint(bound.as_of, sorted(leaving), policy.as_dict(), rows, _basis(facts, rows))}


# -- what a plan relies on: checked again inside the transaction that applies it (planapply) -------------
def _basis(facts: PlanFacts, rows: Rows) -> dict[str, Any]:
    loads = facts.loads()
    clients = sorted({r["client"] for r in rows})
    people = sorted({r["staff"] for r in rows})
    return {
        "clients": {c: {"grade": facts.grade[c], "cover": sorted([s, k, d.isoformat() if d else ""]
                                                                    for s, k, d in facts.cover.get(c, ()))}
                    for c in clients},
        "staff": {s: {"tier": facts.staff.get(s, {}).get("tier"), "capacity": facts.staff.get(s, {}).get("capacity"),
                      "active": s in facts.staff, "clients": loads.get(s, 0)} for s in people},
    }



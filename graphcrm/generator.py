"""Synthetic big-account organisations (sizes S, M, L), deterministic by seed and anchor date."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from graphcrm.model import (
    Client, Coverage, Engagement, Interaction, Membership, Need, Records, Staff, Team, Tier,
)

__all__ = ["SIZES", "Size", "generate", "DEFAULT_ANCHOR"]

#: The generator's "today" unless told otherwise: fixed, so a seed always gives the same files.
DEFAULT_ANCHOR = date(2026, 11, 1)


@dataclass(frozen=True)
class Size:
    staff: int
    clients: int
    interactions: int


SIZES = {
    "S": Size(30, 300, 5_000),
    "M": Size(500, 20_000, 500_000),
    "L": Size(3_000, 200_000, 5_000_000),
}

TIERS = (
    Tier("intel", 1, "Intelligence", "find big clients, collect their data, keep tracking their needs"),
    Tier("planning", 2, "Planning", "probe real needs, present the company, grade the client A/B/C"),
    Tier("solution", 3, "Solution", "solve the client's technical problem"),
)
_INDUSTRIES = ("manufacturing", "banking", "public sector", "utilities", "retail", "telecom",
               "healthcare", "education", "logistics", "hospitality")
_FIRST = ("Ada", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inès", "Jonas", "Kemi", "Lena",
          "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara", "Zoë")
_LAST = ("Okafor", "Lindqvist", "García", "Nakamura", "Müller", "Haddad", "Novak", "Rossi", "Kowalski",
         "Dubois", "Singh", "O'Brien", "Petrov", "Silva", "Chen", "Andersen", "Moreau", "Costa", "Ivanova", "Kim")
_CLIENT_WORDS = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Wingtip", "Litware", "Adatum", "Proseware",
                 "Coho", "Lucerne", "Margie", "Trey", "Woodgrove", "Alpine", "Blue Yonder", "Fourth Coffee")
_CLIENT_KINDS = ("Group", "Holdings", "Foods", "Bank", "Energy", "Logistics", "Hotels", "Telecom", "Works", "Council")
_NEED_TOPICS = ("holiday gift boxes", "canteen supply", "year-end banquet", "staff welfare packages",
                "conference catering", "client hospitality", "new site opening", "anniversary event")


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 18), rng.choice((0, 15, 30, 45))), tzinfo=timezone.utc)


def generate(size: str = "S", seed: int = 1, anchor: date = DEFAULT_ANCHOR) -> Records:
    """A whole organisation as Records; `anchor` is the last day with activity (its "today")."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r} (S, M or L)")
    spec = SIZES[size]
    rng = random.Random(f"graphcrm:{size}:{seed}")
    out = Records(tiers=list(TIERS))
    horizon = anchor - timedelta(days=3 * 365)       # the organisation's recorded history starts here
    width_s, width_c = len(str(spec.staff)) + 1, len(str(spec.clients)) + 1

    # --- staff: 40% tier 1, 30% tier 2, 30% tier 3; each tier has a lead reporting to the head.
    tier_of = []
    for n in range(spec.staff):
        roll = n / spec.staff
        tier_of.append("intel" if roll < 0.4 else "planning" if roll < 0.7 else "solution")
    rng.shuffle(tier_of)
    staff_ids = [f"S{n + 1:0{width_s}d}" for n in range(spec.staff)]
    head = staff_ids[0]
    tier_leads = {}
    for sid, tier in zip(staff_ids[1:], tier_of[1:]):
        tier_leads.setdefault(tier, sid)
    clients_per_staff = max(3, spec.clients * 3 * 1.4 // spec.staff)
    # About 8% of the staff (never the head or a tier lead, at least one) have left.
    eligible = [sid for sid in staff_ids if sid != head and sid not in tier_leads.values()]
    leavers = set(rng.sample(eligible, max(1, round(0.08 * spec.staff))))
    by_tier: dict[str, list[str]] = {t.key: [] for t in TIERS}
    staff_records = {}
    for sid, tier in zip(staff_ids, tier_of):
        joined = horizon - timedelta(days=rng.randint(0, 5 * 365)) if rng.random() < 0.7 else \
            horizon + timedelta(days=rng.randint(0, 2 * 365))
        left = None
        if sid in leavers:
            left = min(anchor, max(joined + timedelta(days=30), anchor - timedelta(days=rng.randint(1, 500))))
        manager = None if sid == head else (head if sid == tier_leads.get(tier) else tier_leads.get(tier, head))
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        name = f"{first} {last}"
        staff_records[sid] = Staff(sid, name, f"{first.lower()}.{last.lower().replace(chr(39), '')}.{sid.lower()}@example.com",
                                   tier, int(clients_per_staff * rng.uniform(0.8, 1.3)), joined, left, manager)
        by_tier[tier].append(sid)
    out.staff = list(staff_records.values())

    def active_on(sid: str, day: date) -> bool:
        s = staff_records[sid]
        return (s.joined is None or s.joined <= day) and (s.left is None or s.left > day)

    # Some people carry far more clients than others (Zipf-like weights).
    weight = {sid: 1.0 / (1 + rank) ** 0.6 for tier in by_tier.values() for rank, sid in enumerate(rng.sample(tier, len(tier)))}

    # --- teams mixing tiers.
    n_teams = max(2, spec.staff // 6)
    teams = [Team(f"T{n + 1:0{len(str(n_teams)) + 1}d}", f"Team {rng.choice(_CLIENT_WORDS)} {n + 1}") for n in range(n_teams)]
    out.teams = teams
    team_members: dict[str, list[str]] = {t.id: [] for t in teams}
    for n, sid in enumerate(rng.sample(staff_ids, len(staff_ids))):
        team = teams[n % n_teams].id
        joined = staff_records[sid].joined
        since = max(joined, horizon + timedelta(days=rng.randint(0, 200)))
        until = staff_records[sid].left
        if until is None and rng.random() < 0.1:
            until = since + timedelta(days=rng.randint(60, 400))
            if until > anchor:
                until = None
        out.memberships.append(Membership(sid, team, since, until))
        if until is None:
            team_members[team].append(sid)

    # --- clients: grades A 10%, B 30%, C 45%, ungraded 15%; Pareto values, larger for A.
    grade_factor = {"A": 8.0, "B": 3.0, "C": 1.0, None: 0.8}
    clients = []
    for n in range(spec.clients):
        roll = rng.random()
        grade = "A" if roll < 0.10 else "B" if roll < 0.40 else "C" if roll < 0.85 else None
        value = None if rng.random() < 0.03 else float(round(rng.paretovariate(1.3) * 20_000 * grade_factor[grade], -2))
        name = f"{rng.choice(_CLIENT_WORDS)} {rng.choice(_CLIENT_KINDS)} {n + 1}"
        clients.append(Client(f"C{n + 1:0{width_c}d}", name, rng.choice(_INDUSTRIES), grade, value, "intel"))
    out.clients = clients

    # --- coverage: every tier of every client, more people for A; gaps, end-to-end owners, rotations.
    per_grade = {"A": (2, 3), "B": (1, 2), "C": (1, 1), None: (1, 1)}
    coverers: dict[str, dict[str, list[str]]] = {}
    for client in clients:
        start = horizon + timedelta(days=rng.randint(0, 700))
        mine: dict[str, list[str]] = {}
        owner = None
        if rng.random() < 0.05:   # still held end to end by one person (the pre-tier way of working)
            owner = rng.choice(staff_ids)
        for tier in TIERS:
            if owner is not None:
                chosen = [owner]
            elif rng.random() < 0.04:
                chosen = []        # a coverage gap
            else:
                low, high = per_grade[client.grade]
                pool = by_tier[tier.key]
                chosen = list(dict.fromkeys(rng.choices(pool, weights=[weight[s] for s in pool], k=rng.randint(low, high))))
            for k, sid in enumerate(chosen):
                since = max(start + timedelta(days=30 * (tier.level - 1)), staff_records[sid].joined)
                out.coverage.append(Coverage(sid, client.id, tier.key, "lead" if k == 0 else "backup", since, None))
            if chosen and rng.random() < 0.05:
                # A rotation: someone covered this stage before and handed it to the current people.
                previous = rng.choice(by_tier[tier.key])
                first_since = start + timedelta(days=30 * (tier.level - 1)) - timedelta(days=rng.randint(60, 300))
                handed = start + timedelta(days=30 * (tier.level - 1))
                if previous not in chosen and staff_records[previous].joined < first_since < handed:
                    out.coverage.append(Coverage(previous, client.id, tier.key, "lead", first_since, handed))
            mine[tier.key] = chosen
        coverers[client.id] = mine

    # --- engagements: each client with two or more tiers covered by one team's members is engaged by it.
    member_team = {sid: team for team, members in team_members.items() for sid in members}
    for client in clients:
        teams_here = {member_team[s] for tier in coverers[client.id].values() for s in tier if s in member_team}
        for team in sorted(teams_here):
            if rng.random() < 0.5:
                out.engagements.append(Engagement(team, client.id, horizon + timedelta(days=rng.randint(0, 400)), None))

    # --- lifecycle: handovers and assessments, then everyday interactions up to the budget.
    counter = 0

    def next_id() -> str:
        nonlocal counter
        counter += 1
        return f"I{counter:0{len(str(spec.interactions)) + 1}d}"

    days_span = (anchor - horizon).days
    lifecycle: list[Interaction] = []
    for client in clients:
        mine = coverers[client.id]
        # Lifecycles start across the whole history, so some clients moved stage recently.
        day = horizon + timedelta(days=rng.randint(0, days_span - 30))
        if rng.random() < 0.75 and mine["planning"]:
            day += timedelta(days=rng.randint(20, 120))
            if day <= anchor:
                lifecycle.append(Interaction(next_id(), client.id, "handover", _at(day, rng), tuple(mine["intel"][:1] or mine["planning"][:1]),
                                             summary="first collection done; planning takes over", stage="planning"))
                grade = client.grade or rng.choice("ABC")
                for _ in range(rng.randint(1, 2)):
                    day += timedelta(days=rng.randint(5, 200))
                    if day > anchor:
                        break
                    lifecycle.append(Interaction(next_id(), client.id, "assessment", _at(day, rng), tuple(mine["planning"][:1]),
                                                 summary="value assessment", grade=grade, score=float(rng.randint(40, 100))))
                    if rng.random() < 0.3:
                        grade = rng.choice("ABC")
                if rng.random() < 0.6 and mine["solution"]:
                    day += timedelta(days=rng.randint(10, 150))
                    if day <= anchor:
                        lifecycle.append(Interaction(next_id(), client.id, "handover", _at(day, rng), tuple(mine["planning"][:1]),
                                                     summary="plan agreed; solution team takes over", stage="solution"))
    budget = max(0, spec.interactions - len(lifecycle))
    activity = [rng.paretovariate(1.5) for _ in clients]
    stale = {c.id for c in clients if rng.random() < 0.08}     # clients nobody has talked to lately
    concentrated = {c.id: None for c in clients if rng.random() < 0.12}
    for cid in concentrated:
        people = [s for tier in coverers[cid].values() for s in tier]
        concentrated[cid] = rng.choice(people) if people else None
    everyday: list[Interaction] = []
    kinds = ("contact", "communication", "transaction")
    chosen_clients = rng.choices(clients, weights=activity, k=budget)
    for client in chosen_clients:
        mine = coverers[client.id]
        people = [s for tier in mine.values() for s in tier] or [rng.choice(staff_ids)]
        back = rng.randint(120 if client.id in stale else 0, days_span)
        day = anchor - timedelta(days=back)
        lead = concentrated.get(client.id)
        if lead is not None and rng.random() < 0.9:
            participants = {lead}
        else:
            participants = {rng.choice(people) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))}
        participants = {p for p in participants if active_on(p, day)} or participants
        kind = rng.choices(kinds, weights=(45, 35, 20))[0]
        amount = float(round(rng.uniform(500, 50_000), 2)) if kind == "transaction" else None
        everyday.append(Interaction(next_id(), client.id, kind, _at(day, rng), tuple(sorted(participants)), amount,
                                    f"{kind} about {rng.choice(_NEED_TOPICS)}"))
    out.interactions = lifecycle + everyday

    # --- needs: mostly captured by a tier-1 coverer, some by others (a miss of tier 1), some by nobody.
    n_needs = max(1, spec.clients // 2)
    for n in range(n_needs):
        client = rng.choice(clients)
        detected = anchor - timedelta(days=rng.randint(0, 500))
        intel = [s for s in coverers[client.id]["intel"] if active_on(s, detected)]
        roll = rng.random()
        if roll < 0.65 and intel:
            staff, source = rng.choice(intel), "client visit"
        elif roll < 0.9:
            others = coverers[client.id]["planning"] + coverers[client.id]["solution"]
            staff, source = (rng.choice(others) if others else None), "found by another tier"
        else:
            staff, source = None, "lost deal review"
        out.needs.append(Need(f"N{n + 1:0{len(str(n_needs)) + 1}d}", client.id, detected,
                              f"{rng.choice(_NEED_TOPICS)} for {rng.randint(50, 5000)} people", source, staff))
    return out

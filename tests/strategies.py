"""Hypothesis strategies: small random organisations that hit the edge cases of DESIGN section 4."""

from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st

from graphcrm.model import (
    KINDS, Client, Coverage, Engagement, Interaction, Membership, Need, Records, Staff, Team, Tier,
)

START = date(2025, 1, 1)
SPAN = 540   # days: long enough for the 180/365-day windows to matter
AS_OF_DATES = (date(2025, 6, 30), date(2026, 1, 1), date(2026, 3, 1))


def days(nullable=True):
    d = st.integers(0, SPAN).map(lambda n: START + timedelta(days=n))
    return st.one_of(st.none(), d) if nullable else d


@st.composite
def spans(draw):
    since, until = draw(days()), draw(days())
    if since and until and until <= since:
        until = None
    return since, until


#: Hours (UTC) interactions happen at: few, so several share an `at` and the id breaks the tie.
HOURS = (9, 17)
#: Hours that fall on another calendar day in UTC+8 or UTC-5 (the time-zone parity tests use them).
ZONE_HOURS = (0, 3, 9, 15, 16, 17, 23)


@st.composite
def organisations(draw, hours=HOURS) -> Records:
    n_tiers = draw(st.integers(1, 3))
    tiers = [Tier(f"t{k}", k, f"Tier {k}") for k in range(1, n_tiers + 1)]
    keys = [t.key for t in tiers]
    staff_ids = [f"S{n}" for n in range(draw(st.integers(1, 7)))]
    staff = []
    for sid in staff_ids:
        joined, left = draw(spans())
        staff.append(Staff(sid, sid.lower(), None, draw(st.sampled_from(keys + [None])),
                           draw(st.one_of(st.none(), st.integers(0, 4))), joined, left, None))
    client_ids = [f"C{n}" for n in range(draw(st.integers(1, 6)))]
    clients = [Client(cid, cid.lower(), None, draw(st.sampled_from(["A", "B", "C", None])),
                      draw(st.one_of(st.none(), st.integers(0, 5000).map(float))),
                      draw(st.sampled_from(keys + [None]))) for cid in client_ids]
    coverage = {}
    for _ in range(draw(st.integers(0, 18))):
        since, until = draw(spans())
        c = Coverage(draw(st.sampled_from(staff_ids)), draw(st.sampled_from(client_ids)), draw(st.sampled_from(keys)),
                     draw(st.sampled_from(["lead", "backup", None])), since, until)
        coverage[c.identity] = c
    team_ids = [f"T{n}" for n in range(draw(st.integers(0, 3)))]
    memberships, engagements = {}, {}
    if team_ids:
        for _ in range(draw(st.integers(0, 8))):
            since, until = draw(spans())
            m = Membership(draw(st.sampled_from(staff_ids)), draw(st.sampled_from(team_ids)), since, until)
            memberships[m.identity] = m
        for _ in range(draw(st.integers(0, 6))):
            since, until = draw(spans())
            e = Engagement(draw(st.sampled_from(team_ids)), draw(st.sampled_from(client_ids)), since, until)
            engagements[e.identity] = e
    interactions = []
    for n in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(KINDS))
        day = draw(days(nullable=False))
        at = datetime(day.year, day.month, day.day, draw(st.sampled_from(hours)), tzinfo=timezone.utc)
        participants = tuple(sorted(draw(st.sets(st.sampled_from(staff_ids), max_size=3))))
        interactions.append(Interaction(
            f"I{n:03d}", draw(st.sampled_from(client_ids)), kind, at, participants,
            grade=draw(st.sampled_from("ABC")) if kind == "assessment" else None,
            stage=draw(st.sampled_from(keys)) if kind == "handover" else None))
    needs = [Need(f"N{n}", draw(st.sampled_from(client_ids)), draw(days(nullable=False)), None, None,
                  draw(st.one_of(st.none(), st.sampled_from(staff_ids))))
             for n in range(draw(st.integers(0, 6)))]
    return Records(tiers=tiers, staff=staff, teams=[Team(t) for t in team_ids],
                   memberships=list(memberships.values()), clients=clients, coverage=list(coverage.values()),
                   engagements=list(engagements.values()), interactions=interactions, needs=needs)


def report_params(name, records):
    """Parameters that let every report of the catalogue run on a generated organisation (the rest default)."""
    if name == "departure_impact":
        return {"staff": [s.id for s in records.staff[:2]]}
    if name == "coverage_plan":
        return {"leaving": [s.id for s in records.staff[:1]]}
    if name == "changes":
        return {"since": "2025-03-01"}
    if name == "path":
        ends = [records.staff[0].id, records.clients[-1].id]
        return {"from": ends[0], "to": ends[1], "max_hops": 5}
    return {}

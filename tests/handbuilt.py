"""A small organisation built by hand for the report tests; expected rows are worked out in test_reports.py.

as_of is 2026-03-01. Edge cases on purpose: A2 leaves on as_of, A3 joins the day after, B2's K1
coverage ends on as_of (until = as_of), K3 is ungraded with no tier-1 coverer and no interactions,
K2 has no value and a later assessment after as_of, K4 is held end to end by M1, interactions with
several participants, and a tie in the truck factor.
"""

from datetime import date, datetime, timezone

from graphcrm.model import (
    Client, Coverage, Engagement, Interaction, Membership, Need, Records, Staff, Team, Tier,
)

AS_OF = date(2026, 3, 1)
D = date


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=timezone.utc)


def organisation() -> Records:
    old = D(2020, 1, 1)
    return Records(
        tiers=[Tier("intel", 1, "Intelligence", "gather"), Tier("planning", 2, "Planning", "grade"),
               Tier("solution", 3, "Solution", "solve")],
        staff=[
            Staff("M1", "Mia One", "m1@x.org", "solution", 10, D(2019, 1, 1), None, None),
            Staff("A1", "Ann One", "a1@x.org", "intel", 4, old, None, "M1"),
            Staff("A2", "Ann Two", "a2@x.org", "intel", 4, old, AS_OF, "M1"),          # leaves on as_of
            Staff("A3", "Ann Three", "a3@x.org", "intel", None, D(2026, 3, 2), None, "M1"),  # joins after
            Staff("A4", "Ann Four", "a4@x.org", "intel", 2, D(2021, 1, 1), None, "M1"),
            Staff("A5", "Ann Five", "a5@x.org", "intel", None, D(2021, 1, 1), None, "M1"),
            Staff("B1", "Bo One", "b1@x.org", "planning", 2, old, None, "M1"),
            Staff("B2", "Bo Two", "b2@x.org", "planning", 5, old, None, "M1"),
            Staff("C1", "Cy One", "c1@x.org", "solution", 3, old, None, "M1"),
            Staff("C2", "Cy Two", "c2@x.org", "solution", None, old, None, "M1"),
        ],
        teams=[Team("T1", "Alpha team"), Team("T2", "Beta team"), Team("T3", "Empty team")],
        memberships=[
            Membership("A1", "T1", D(2025, 1, 1)), Membership("B1", "T1", D(2025, 1, 1)),
            Membership("C1", "T1", D(2025, 1, 1)), Membership("A2", "T1", D(2025, 1, 1)),
            Membership("B2", "T2", D(2025, 1, 1), AS_OF), Membership("C2", "T2", D(2025, 1, 1)),
            Membership("A4", "T2", D(2025, 1, 1)),
        ],
        clients=[
            Client("K1", "Alpha Foods", "retail", "A", 1000.0, "intel"),
            Client("K2", "Beta Bank", "banking", "B", None, None),
            Client("K3", "Gamma Works", "industry", None, 500.0, None),
            Client("K4", "Delta Hotels", "hospitality", "C", 200.0, None),
        ],
        coverage=[
            Coverage("A1", "K1", "intel", "lead", D(2025, 1, 1)),
            Coverage("A2", "K1", "intel", "backup", D(2025, 1, 1)),
            Coverage("B1", "K1", "planning", "lead", D(2025, 2, 1)),
            Coverage("B2", "K1", "planning", "backup", D(2025, 2, 1), AS_OF),
            Coverage("C1", "K1", "solution", "lead", D(2025, 3, 1)),
            Coverage("C2", "K1", "solution", "backup", D(2025, 3, 1)),
            Coverage("A1", "K2", "intel", "lead", D(2025, 5, 1)),
            Coverage("A3", "K2", "intel", "backup", D(2026, 1, 1)),
            Coverage("B1", "K2", "planning", "lead", D(2025, 5, 1)),
            Coverage("B1", "K2", "solution", "backup", D(2025, 6, 1)),
            Coverage("C1", "K2", "solution", "lead", D(2025, 6, 1)),
            Coverage("B2", "K3", "planning", "lead", D(2025, 1, 1)),
            Coverage("C2", "K3", "solution", "lead", D(2025, 1, 1)),
            Coverage("M1", "K4", "intel", "lead", D(2024, 1, 1)),
            Coverage("M1", "K4", "planning", "lead", D(2024, 1, 1)),
            Coverage("M1", "K4", "solution", "lead", D(2024, 1, 1)),
        ],
        engagements=[
            Engagement("T1", "K1", D(2025, 1, 1)), Engagement("T1", "K2", D(2025, 6, 1)),
            Engagement("T2", "K3", D(2025, 1, 1), AS_OF), Engagement("T2", "K1", AS_OF),
        ],
        interactions=[
            Interaction("I01", "K1", "contact", at(2026, 2, 20), ("A1",)),
            Interaction("I02", "K1", "communication", at(2026, 2, 25), ("A1", "B1")),
            Interaction("I03", "K1", "transaction", at(2026, 2, 27), ("C1",), amount=100.0),
            Interaction("I10", "K2", "assessment", at(2026, 1, 15, 9), ("B1",), grade="A", score=80.0),
            Interaction("I11", "K2", "contact", at(2026, 1, 20), ("B1",)),
            Interaction("I12", "K2", "contact", at(2026, 1, 25), ("A1", "B1")),
            Interaction("I13", "K2", "communication", at(2026, 2, 1), ("B1",)),
            Interaction("I14", "K2", "communication", at(2026, 2, 10), ("B1",)),
            Interaction("I15", "K2", "contact", at(2026, 2, 12), ("A1", "A5")),
            Interaction("I16", "K2", "assessment", at(2026, 3, 2, 8), ("B1",), grade="C"),
            Interaction("I20", "K4", "handover", at(2025, 10, 1), ("M1",), stage="planning"),
            Interaction("I21", "K4", "contact", at(2025, 11, 15), ("M1",)),
        ],
        needs=[
            Need("N1", "K1", D(2026, 1, 10), "gift boxes", "visit", "A1"),
            Need("N2", "K1", D(2026, 2, 1), "canteen", "call", "C1"),
            Need("N3", "K3", D(2025, 12, 1), "banquet", "call", "B2"),
            Need("N4", "K2", D(2024, 12, 1), "old need", "call", None),
            Need("N5", "K4", D(2026, 2, 15), "event", "visit", "M1"),
            Need("N6", "K2", AS_OF, "welfare", "email", None),
        ],
    )

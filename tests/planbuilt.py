"""Small organisations built by hand for the coverage planner; the expected plans are worked out in test_planner.py.

as_of is 2026-03-01 throughout. Each organisation isolates one rule of DESIGN 10.
"""

from datetime import date, datetime, timedelta, timezone

from graphcrm.model import Client, Coverage, Engagement, Interaction, Membership, Records, Staff, Team, Tier

AS_OF = date(2026, 3, 1)
OLD = date(2020, 1, 1)
INTEL, PLANNING = Tier("intel", 1, "Intelligence"), Tier("planning", 2, "Planning")


def _met(n: int, client: str, staff: str, days_ago: int) -> Interaction:
    day = AS_OF - timedelta(days=days_ago)
    return Interaction(f"I{n:02d}", client, "contact", datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc),
                       (staff,))


def capacity_limited() -> Records:
    """Four intel slots (A1 needs two, B1 one, C1 one) and three free intel places: I1 has 2, I2 has 1.
    Planning: A1 needs a second planner, P2 is free."""
    return Records(
        tiers=[INTEL, PLANNING],
        staff=[Staff("I1", "Ida One", tier="intel", capacity=2, joined=OLD), Staff("I2", "Ivo Two", tier="intel", capacity=1, joined=OLD),
               Staff("P1", "Pia One", tier="planning", capacity=10, joined=OLD),
               Staff("P2", "Pam Two", tier="planning", capacity=1, joined=OLD)],
        clients=[Client("A1", "Apex", grade="A"), Client("B1", "Birch", grade="B"), Client("C1", "Cobalt", grade="C")],
        coverage=[Coverage("P1", c, "planning", "lead", OLD) for c in ("A1", "B1", "C1")],
    )


def whole_plan_strength() -> Records:
    """K1 and K2 each need one intel coverer. X knows both (K1 today, K2 yesterday) but has one free place;
    Y knows K1 (3 days ago). X to K1 alone would be the strongest pair, but the strongest plan is X-K2, Y-K1."""
    return Records(
        tiers=[INTEL],
        staff=[Staff("X", "Xia", tier="intel", capacity=1, joined=OLD), Staff("Y", "Yan", tier="intel", capacity=5, joined=OLD)],
        clients=[Client("K1", "Kilo", grade="C"), Client("K2", "Kite", grade="C")],
        interactions=[_met(1, "K1", "X", 0), _met(2, "K2", "X", 1), _met(3, "K1", "Y", 3)],
    )


def team_preferred() -> Records:
    """K needs an intel coverer; T1 is in Alpha, which engages K; A0 comes first by id but has no team there."""
    return Records(
        tiers=[INTEL],
        staff=[Staff("A0", "Abe Zero", tier="intel", capacity=5, joined=OLD),
               Staff("T1", "Tom One", tier="intel", capacity=5, joined=OLD)],
        teams=[Team("TA", "Alpha")],
        memberships=[Membership("T1", "TA", OLD)],
        clients=[Client("K", "Kestrel", grade="C")],
        engagements=[Engagement("TA", "K", OLD)],
    )


def utilisation_preferred() -> Records:
    """K1 and K2 need intel. V (capacity 4) already covers Z1 and Z2; W (capacity 10) covers Z3. Both to W ends at
    3/10; split, at 3/4; both to V, at 4/4: the plan loads W, though V comes first by id."""
    return Records(
        tiers=[INTEL],
        staff=[Staff("V", "Vera", tier="intel", capacity=4, joined=OLD), Staff("W", "Wim", tier="intel", capacity=10, joined=OLD)],
        clients=[Client(c, c, grade="C") for c in ("K1", "K2", "Z1", "Z2", "Z3")],
        coverage=[Coverage("V", "Z1", "intel", "lead", OLD), Coverage("V", "Z2", "intel", "lead", OLD),
                  Coverage("W", "Z3", "intel", "lead", OLD)],
    )


def ids_decide() -> Records:
    """K1 and K2 need intel; S1 and S2 are alike (capacity 5, no clients). One each keeps utilisation at 1/5, and of
    the two such plans the sorted list [(K1, S1), (K2, S2)] comes first."""
    return Records(
        tiers=[INTEL],
        staff=[Staff("S1", "Sam One", tier="intel", capacity=5, joined=OLD), Staff("S2", "Sue Two", tier="intel", capacity=5, joined=OLD)],
        clients=[Client("K1", "Kilo", grade="C"), Client("K2", "Kite", grade="C")],
    )


def leaver() -> Records:
    """L leaves: KA (grade A) keeps I1 in intel and needs one more; KC (grade C) loses its only intel coverer.
    One free intel place (I2; I1 is full with KA): the A client's slot weighs 3, the C client's 1, so KC stays open."""
    return Records(
        tiers=[INTEL, PLANNING],
        staff=[Staff("L", "Lou", tier="intel", capacity=10, joined=OLD), Staff("I1", "Ida One", tier="intel", capacity=1, joined=OLD),
               Staff("I2", "Ivo Two", tier="intel", capacity=1, joined=OLD),
               Staff("P1", "Pia One", tier="planning", capacity=10, joined=OLD),
               Staff("P2", "Pam Two", tier="planning", capacity=10, joined=OLD)],
        clients=[Client("KA", "Acme", grade="A"), Client("KC", "Cedar", grade="C")],
        coverage=[Coverage("L", "KA", "intel", "lead", OLD), Coverage("I1", "KA", "intel", "backup", OLD),
                  Coverage("L", "KC", "intel", "lead", OLD),
                  Coverage("P1", "KA", "planning", "lead", OLD), Coverage("P2", "KA", "planning", "backup", OLD),
                  Coverage("P1", "KC", "planning", "lead", OLD)],
    )


def off_tier() -> Records:
    """Planners covering intel (off their tier), every client grade C (one coverer per stage):
    KR: I1 and P9 -> P9 released (I1 remains); KK: P8 alone -> kept; KD: P5 and P6 -> P5 released, then P6 is
    alone and kept; KN: P4 since as_of itself, with I1 -> kept (a coverage cannot end on its first day)."""
    planners = [Staff(f"P{n}", f"Planner {n}", tier="planning", capacity=10, joined=OLD) for n in (1, 4, 5, 6, 8, 9)]
    return Records(
        tiers=[INTEL, PLANNING],
        staff=[Staff("I1", "Ida One", tier="intel", capacity=10, joined=OLD), *planners],
        clients=[Client(c, c, grade="C") for c in ("KD", "KK", "KN", "KR")],
        coverage=[Coverage("I1", "KR", "intel", "lead", OLD), Coverage("P9", "KR", "intel", "backup", OLD),
                  Coverage("P8", "KK", "intel", "lead", OLD),
                  Coverage("P5", "KD", "intel", "lead", OLD), Coverage("P6", "KD", "intel", "backup", OLD),
                  Coverage("I1", "KN", "intel", "lead", OLD), Coverage("P4", "KN", "intel", "backup", AS_OF),
                  *[Coverage("P1", c, "planning", "lead", OLD) for c in ("KD", "KK", "KN", "KR")]],
    )

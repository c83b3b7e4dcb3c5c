"""Every report on the hand-built organisation (tests/handbuilt.py), expected rows worked out by hand, on both stores."""

from dataclasses import replace
from datetime import date

import pytest

from graphcrm.config import Policy
from graphcrm.reports import run_report
from graphcrm.rules import round3

from handbuilt import AS_OF, organisation

POLICY = Policy()


@pytest.fixture
def org(store):
    store.write(organisation())
    return store


def rows(store, name, params=None, policy=POLICY, as_of=AS_OF):
    return run_report(store, name, as_of, params or {}, policy).rows


def test_coverage(org):
    assert rows(org, "coverage") == [
        {"client": "K1", "name": "Alpha Foods", "grade": "A", "tier": "intel", "level": 1, "staff": ["A1"], "count": 1},
        {"client": "K1", "name": "Alpha Foods", "grade": "A", "tier": "planning", "level": 2, "staff": ["B1"], "count": 1},
        {"client": "K1", "name": "Alpha Foods", "grade": "A", "tier": "solution", "level": 3, "staff": ["C1", "C2"], "count": 2},
        # K2: declared B, assessed A on 2026-01-15; the C assessment on 2026-03-02 is after as_of.
        {"client": "K2", "name": "Beta Bank", "grade": "A", "tier": "intel", "level": 1, "staff": ["A1"], "count": 1},
        {"client": "K2", "name": "Beta Bank", "grade": "A", "tier": "planning", "level": 2, "staff": ["B1"], "count": 1},
        {"client": "K2", "name": "Beta Bank", "grade": "A", "tier": "solution", "level": 3, "staff": ["B1", "C1"], "count": 2},
        {"client": "K3", "name": "Gamma Works", "grade": "ungraded", "tier": "intel", "level": 1, "staff": [], "count": 0},
        {"client": "K3", "name": "Gamma Works", "grade": "ungraded", "tier": "planning", "level": 2, "staff": ["B2"], "count": 1},
        {"client": "K3", "name": "Gamma Works", "grade": "ungraded", "tier": "solution", "level": 3, "staff": ["C2"], "count": 1},
        {"client": "K4", "name": "Delta Hotels", "grade": "C", "tier": "intel", "level": 1, "staff": ["M1"], "count": 1},
        {"client": "K4", "name": "Delta Hotels", "grade": "C", "tier": "planning", "level": 2, "staff": ["M1"], "count": 1},
        {"client": "K4", "name": "Delta Hotels", "grade": "C", "tier": "solution", "level": 3, "staff": ["M1"], "count": 1},
    ]


def test_coverage_the_day_after_sees_the_later_assessment_and_the_joiner(org):
    later = [r for r in rows(org, "coverage", as_of=date(2026, 3, 2)) if r["client"] == "K2"]
    assert {r["grade"] for r in later} == {"C"}
    assert later[0]["staff"] == ["A1", "A3"]


def test_coverage_gaps(org):
    assert rows(org, "coverage_gaps") == [
        {"client": "K1", "grade": "A", "tier": "intel", "required": 2, "actual": 1, "shortfall": 1},
        {"client": "K1", "grade": "A", "tier": "planning", "required": 2, "actual": 1, "shortfall": 1},
        {"client": "K2", "grade": "A", "tier": "intel", "required": 2, "actual": 1, "shortfall": 1},
        {"client": "K2", "grade": "A", "tier": "planning", "required": 2, "actual": 1, "shortfall": 1},
        {"client": "K3", "grade": "ungraded", "tier": "intel", "required": 1, "actual": 0, "shortfall": 1},
    ]


def test_coverage_gaps_follow_the_policy(org):
    strict = replace(POLICY, min_per_tier={"A": 3, "B": 1, "C": 2, "ungraded": 1})
    got = rows(org, "coverage_gaps", policy=strict)
    assert [(r["client"], r["tier"], r["shortfall"]) for r in got] == [
        ("K1", "intel", 2), ("K1", "planning", 2), ("K2", "intel", 2), ("K2", "planning", 2),
        ("K1", "solution", 1), ("K2", "solution", 1),
        ("K4", "intel", 1), ("K4", "planning", 1), ("K4", "solution", 1),
        ("K3", "intel", 1),
    ]


def test_key_person_risk(org):
    assert rows(org, "key_person_risk") == [
        # single points (grade A asks for two), B1 covers two tiers, B1 took part in 5 of the 6 window interactions.
        {"client": "K2", "grade": "A", "bus_factor": 1, "single_point_tiers": ["intel", "planning"],
         "multi_tier_staff": ["B1"], "end_to_end_owner": None, "concentration_owner": "B1",
         "concentration_share": 0.833, "risk": 9},
        {"client": "K1", "grade": "A", "bus_factor": 1, "single_point_tiers": ["intel", "planning"],
         "multi_tier_staff": [], "end_to_end_owner": None, "concentration_owner": None,
         "concentration_share": None, "risk": 3},
        # grade C asks for one coverer per tier: its single points are information, not a flag;
        # M1 covering every tier is (multi-tier and end to end).
        {"client": "K4", "grade": "C", "bus_factor": 1, "single_point_tiers": ["intel", "planning", "solution"],
         "multi_tier_staff": ["M1"], "end_to_end_owner": "M1", "concentration_owner": None,
         "concentration_share": None, "risk": 2},
        # ungraded: no intel coverer (bus_factor 0) is the only flag.
        {"client": "K3", "grade": "ungraded", "bus_factor": 0, "single_point_tiers": ["planning", "solution"],
         "multi_tier_staff": [], "end_to_end_owner": None, "concentration_owner": None,
         "concentration_share": None, "risk": 1},
    ]


def test_key_person_risk_single_points_count_only_where_policy_asks_for_two(org):
    """DESIGN 5.3: a client whose only flag would be a single point its grade allows gets no row."""
    lenient = replace(POLICY, min_per_tier={"A": 1, "B": 1, "C": 1, "ungraded": 1})
    got = {r["client"]: r["risk"] for r in rows(org, "key_person_risk", policy=lenient)}
    assert got == {"K2": 6, "K4": 2, "K3": 1}          # K1's only flag was its single points
    strict = replace(POLICY, min_per_tier={"A": 2, "B": 2, "C": 2, "ungraded": 2})
    got = {r["client"]: r["risk"] for r in rows(org, "key_person_risk", policy=strict)}
    assert got == {"K2": 9, "K1": 3, "K4": 3, "K3": 2}


def test_key_person_risk_concentration_needs_enough_interactions(org):
    fewer = replace(POLICY, concentration_min_interactions=7)
    k2 = next(r for r in rows(org, "key_person_risk", policy=fewer) if r["client"] == "K2")
    assert k2["concentration_owner"] is None and k2["risk"] == 6


def test_departure_impact_of_a_tier_one_person(org):
    result = run_report(org, "departure_impact", AS_OF, {"staff": ["A1"]}, POLICY)
    assert result.rows == [
        # A4 is in T2, which engages K1 from as_of; A5 took part in an interaction with K2.
        {"client": "K1", "grade": "A", "value": 1000.0, "lost_tiers": ["intel"], "below_policy_tiers": [],
         "successors": {"intel": ["A4", "A5"]}},
        {"client": "K2", "grade": "A", "value": None, "lost_tiers": ["intel"], "below_policy_tiers": [],
         "successors": {"intel": ["A5", "A4"]}},
    ]
    assert result.summary == {
        "clients_orphaned": 2, "value_at_risk": 1000.0,
        "by_grade": {"A": {"clients_orphaned": 2, "value_at_risk": 1000.0},
                     "B": {"clients_orphaned": 0, "value_at_risk": 0.0},
                     "C": {"clients_orphaned": 0, "value_at_risk": 0.0},
                     "ungraded": {"clients_orphaned": 0, "value_at_risk": 0.0}},
    }


def test_departure_impact_below_policy_and_successor_by_load(org):
    result = run_report(org, "departure_impact", AS_OF, {"staff": ["C2"]}, POLICY)
    assert result.rows == [
        {"client": "K1", "grade": "A", "value": 1000.0, "lost_tiers": [], "below_policy_tiers": ["solution"],
         "successors": {}},
        # T2's engagement of K3 ended on as_of; M1 covers one client, C1 two.
        {"client": "K3", "grade": "ungraded", "value": 500.0, "lost_tiers": ["solution"], "below_policy_tiers": [],
         "successors": {"solution": ["M1", "C1"]}},
    ]
    assert result.summary["clients_orphaned"] == 1 and result.summary["value_at_risk"] == 500.0
    assert result.summary["by_grade"]["ungraded"] == {"clients_orphaned": 1, "value_at_risk": 500.0}


def test_departure_impact_of_someone_already_gone_changes_nothing(org):
    assert rows(org, "departure_impact", {"staff": ["A2"]}) == []


def test_staff_load(org):
    assert rows(org, "staff_load") == [
        {"staff": "B1", "tier": "planning", "clients": 2, "a": 2, "b": 0, "c": 0, "ungraded": 0, "capacity": 2, "utilisation": 1.0},
        {"staff": "C1", "tier": "solution", "clients": 2, "a": 2, "b": 0, "c": 0, "ungraded": 0, "capacity": 3, "utilisation": 0.667},
        {"staff": "A1", "tier": "intel", "clients": 2, "a": 2, "b": 0, "c": 0, "ungraded": 0, "capacity": 4, "utilisation": 0.5},
        {"staff": "B2", "tier": "planning", "clients": 1, "a": 0, "b": 0, "c": 0, "ungraded": 1, "capacity": 5, "utilisation": 0.2},
        {"staff": "M1", "tier": "solution", "clients": 1, "a": 0, "b": 0, "c": 1, "ungraded": 0, "capacity": 10, "utilisation": 0.1},
        {"staff": "A4", "tier": "intel", "clients": 0, "a": 0, "b": 0, "c": 0, "ungraded": 0, "capacity": 2, "utilisation": 0.0},
        {"staff": "A5", "tier": "intel", "clients": 0, "a": 0, "b": 0, "c": 0, "ungraded": 0, "capacity": None, "utilisation": None},
        {"staff": "C2", "tier": "solution", "clients": 2, "a": 1, "b": 0, "c": 0, "ungraded": 1, "capacity": None, "utilisation": None},
    ]


def test_stale_clients(org):
    assert rows(org, "stale_clients") == [
        {"client": "K2", "grade": "A", "last": date(2026, 2, 12), "days_silent": 17, "limit": 14},
        {"client": "K4", "grade": "C", "last": date(2025, 11, 15), "days_silent": 106, "limit": 90},
        {"client": "K3", "grade": "ungraded", "last": None, "days_silent": None, "limit": 60},
    ]


def test_missed_demand(org):
    assert rows(org, "missed_demand") == [
        {"staff": "A1", "captured": 1, "missed": 2, "capture_rate": 0.333},   # N1 captured; N2 and N6 missed
        {"staff": "A2", "captured": 0, "missed": 1, "capture_rate": 0.0},     # active tier 1 on N2's day
        {"staff": None, "captured": 0, "missed": 1, "capture_rate": 0.0},     # K3 has no tier-1 coverer
        {"staff": "M1", "captured": 1, "missed": 0, "capture_rate": 1.0},
    ]


def test_team_coverage(org):
    assert rows(org, "team_coverage") == [
        {"team": "T1", "members": 3, "tiers": ["intel", "planning", "solution"], "clients": 2, "fully_staffed": 2, "full_rate": 1.0},
        {"team": "T2", "members": 2, "tiers": ["intel", "solution"], "clients": 1, "fully_staffed": 0, "full_rate": 0.0},
        {"team": "T3", "members": 0, "tiers": [], "clients": 0, "fully_staffed": 0, "full_rate": None},
    ]


def _strength(*ages):
    return round3(sum(0.5 ** (a / 30) for a in ages))


def test_relationships(org):
    expected = [
        {"staff": "B1", "client": "K2", "interactions": 5, "last": date(2026, 2, 10), "strength": _strength(45, 40, 35, 28, 19)},
        {"staff": "A1", "client": "K1", "interactions": 2, "last": date(2026, 2, 25), "strength": _strength(9, 4)},
        {"staff": "A1", "client": "K2", "interactions": 2, "last": date(2026, 2, 12), "strength": _strength(35, 17)},
        {"staff": "C1", "client": "K1", "interactions": 1, "last": date(2026, 2, 27), "strength": _strength(2)},
        {"staff": "B1", "client": "K1", "interactions": 1, "last": date(2026, 2, 25), "strength": _strength(4)},
        {"staff": "A5", "client": "K2", "interactions": 1, "last": date(2026, 2, 12), "strength": _strength(17)},
        {"staff": "M1", "client": "K4", "interactions": 2, "last": date(2025, 11, 15), "strength": _strength(151, 106)},
    ]
    expected.sort(key=lambda r: (-r["strength"], r["staff"], r["client"]))
    assert rows(org, "relationships") == expected
    assert expected[0]["strength"] == 2.364 and expected[-1]["strength"] == 0.117   # checked by hand


def test_stalled_stages(org):
    assert rows(org, "stalled_stages") == [
        {"client": "K4", "grade": "C", "stage": "planning", "since": date(2025, 10, 1), "days": 151},
    ]
    per_stage = replace(POLICY, max_stage_days=30, max_stage_days_by_tier={"planning": 200})
    assert [r["client"] for r in rows(org, "stalled_stages", policy=per_stage)] == ["K2"]   # intel since 2026-01-15: 45 days


def test_portfolio(org):
    # K2's assessment of 2026-01-15 (A) holds; its assessment of 03-02 is after as_of. T2 engages K1 from as_of on,
    # and its K3 engagement ends on as_of. K4 was handed over to planning; the others sit in their declared or first stage.
    assert rows(org, "portfolio") == [
        {"client": "K1", "name": "Alpha Foods", "grade": "A", "stage": "intel", "value": 1000.0, "teams": ["T1", "T2"],
         "last": date(2026, 2, 27)},
        {"client": "K2", "name": "Beta Bank", "grade": "A", "stage": "intel", "value": None, "teams": ["T1"],
         "last": date(2026, 2, 12)},
        {"client": "K3", "name": "Gamma Works", "grade": "ungraded", "stage": "intel", "value": 500.0, "teams": [],
         "last": None},
        {"client": "K4", "name": "Delta Hotels", "grade": "C", "stage": "planning", "value": 200.0, "teams": [],
         "last": date(2025, 11, 15)},
    ]


def test_truck_factor(org):
    # K1, K2 and K4 have every tier covered. A1 and B1 would each orphan two; A1 wins on id.
    assert rows(org, "truck_factor") == [{"step": 1, "staff": "A1", "orphaned": 2, "orphaned_share": 0.667}]
    assert rows(org, "truck_factor", {"by": "value"}) == [{"step": 1, "staff": "A1", "orphaned": 1000.0, "orphaned_share": 0.833}]
    everything = replace(POLICY, truck_target=1.0)
    assert rows(org, "truck_factor", policy=everything) == [
        {"step": 1, "staff": "A1", "orphaned": 2, "orphaned_share": 0.667},
        {"step": 2, "staff": "M1", "orphaned": 3, "orphaned_share": 1.0},
    ]


def test_brokers(org):
    # Without C2, B2 and K3 are cut off from the component holding K1 and K2.
    assert rows(org, "brokers") == [{"staff": "C2", "split": 1, "clients_cut_off": 1}]


def test_unknown_report_and_parameters_are_refused(org):
    from graphcrm.errors import ParameterError, UnknownReport

    with pytest.raises(UnknownReport):
        run_report(org, "nope", AS_OF, {}, POLICY)
    with pytest.raises(ParameterError, match="required"):
        run_report(org, "departure_impact", AS_OF, {}, POLICY)
    with pytest.raises(ParameterError, match="unknown parameter"):
        run_report(org, "coverage", AS_OF, {"colour": "red"}, POLICY)
    with pytest.raises(ParameterError, match="by must be"):
        run_report(org, "truck_factor", AS_OF, {"by": "height"}, POLICY)

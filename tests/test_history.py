"""Change over time (DESIGN 11): the changes report on its window's edges, and trends with their cache, on both stores."""

from datetime import date, datetime, timezone

import pytest

from graphcrm.config import Policy, Settings
from graphcrm.errors import ParameterError
from graphcrm.model import Interaction, Records
from graphcrm.permissions import User
from graphcrm.reports import run_report
from graphcrm.reports.trends import run_trend, trend_days
from graphcrm.rules import history_start
from graphcrm.service import Service

from handbuilt import AS_OF, organisation

POLICY = Policy()
D = date


@pytest.fixture
def org(store):
    store.write(organisation())
    return store


def changes(store, since, **only):
    return [(r["day"], r["kind"], r["client"], r["staff"], r["team"], r["tier"], r["from"], r["to"])
            for r in run_report(store, "changes", AS_OF, {"since": since, **only}, POLICY).rows]


def test_changes_in_a_window_that_starts_on_an_event_day(org):
    # since = 2026-01-01 leaves out A3's coverage of K2 that began that very day (the window is since < d <= as_of);
    # as_of = 2026-03-01 is in: B2's release, A2 leaving, T2 moving from K3 to K1. K2's C assessment on 2026-03-02 is not.
    assert changes(org, "2026-01-01") == [
        (D(2026, 1, 15), "graded", "K2", None, None, None, "B", "A"),
        (D(2026, 3, 1), "disengaged", "K3", None, "T2", None, None, None),
        (D(2026, 3, 1), "engaged", "K1", None, "T2", None, None, None),
        (D(2026, 3, 1), "left", None, "A2", None, "intel", None, None),
        (D(2026, 3, 1), "released", "K1", "B2", None, "planning", None, None),
    ]
    assert changes(org, "2025-12-31")[0] == (D(2026, 1, 1), "assigned", "K2", "A3", None, "intel", None, None)


def test_changes_of_one_client_or_one_person(org):
    assert [c[1] for c in changes(org, "2025-09-30", client="K4")] == ["handover"]
    assert changes(org, "2025-09-30", client="K4")[0][6:] == ("intel", "planning")     # declared stage the day before
    assert changes(org, "2026-01-01", staff="B2") == [(D(2026, 3, 1), "released", "K1", "B2", None, "planning", None, None)]


def test_since_must_come_before_as_of(org):
    with pytest.raises(ParameterError, match="since .* must be before as_of"):
        run_report(org, "changes", AS_OF, {"since": "2026-03-01"}, POLICY)


# -- trends ------------------------------------------------------------------------------------------------------
def test_trend_days():
    assert trend_days(D(2026, 1, 31), D(2026, 4, 15), "month") == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 15)]
    assert trend_days(D(2026, 1, 1), D(2026, 1, 15), "week") == [D(2026, 1, 1), D(2026, 1, 8), D(2026, 1, 15)]
    with pytest.raises(ParameterError):
        trend_days(D(2026, 2, 1), D(2026, 1, 1), "month")


def _trend(store, today=D(2026, 3, 1)):
    return run_trend(store, D(2025, 11, 1), D(2026, 3, 1), "month", POLICY, today=today)


def test_a_trend_is_each_days_headline_reports(org):
    trend = _trend(org)
    assert [s["key"] for s in trend.series] == ["coverage_gaps", "value_at_risk", "key_person_risk", "end_to_end",
                                                "over_capacity", "stale_clients", "stalled_stages", "truck_factor"]
    last = trend.points[-1]
    gaps = run_report(org, "coverage_gaps", AS_OF, {}, POLICY).rows
    risk = run_report(org, "key_person_risk", AS_OF, {}, POLICY).rows
    assert last["coverage_gaps"] == len({r["client"] for r in gaps}) == 3
    assert last["key_person_risk"] == sum(1 for r in risk if r["risk"] > 0)
    assert last["truck_factor"] == len(run_report(org, "truck_factor", AS_OF, {}, POLICY).rows)
    load = run_report(org, "staff_load", AS_OF, {}, POLICY).rows
    assert last["over_capacity"] == sum(1 for r in load if (r["utilisation"] or 0) > 1)
    # The busiest person that day is A1 (two clients, tied with B1, C1 and C2; the smaller id): K1 and K2 would lose
    # intel, 1000 of value (K2 has none).
    assert last["value_at_risk"] == 1000.0


def test_past_points_are_cached_until_history_is_edited(org):
    first = _trend(org)
    assert (first.computed, first.cached) == (5, 0)
    again = _trend(org)
    assert (again.computed, again.cached) == (1, 4) and again.points == first.points    # today's point is never cached
    # Today's work (dated today) does not touch the past.
    service = Service(org, Settings(), clock=lambda: datetime(2026, 3, 1, 12, tzinfo=timezone.utc))
    manager = User("boss@x.org", "manager")
    service.log_interaction(manager, "K3", "contact", datetime(2026, 3, 1, 9, tzinfo=timezone.utc), ["B2"], "call")
    assert _trend(org).cached == 4
    # An interaction dated in January changes what was true from that day on: February's point goes, not earlier ones.
    service.log_interaction(manager, "K3", "contact", datetime(2026, 1, 20, 9, tzinfo=timezone.utc), ["B2"], "call")
    edited = _trend(org)
    assert (edited.computed, edited.cached) == (2, 3)
    assert edited.points[-2]["stale_clients"] == first.points[-2]["stale_clients"] - 1          # K3 is no longer silent
    assert edited.points == run_trend(org, D(2025, 11, 1), D(2026, 3, 1), "month", POLICY, today=D(2025, 1, 1)).points


def test_a_trend_read_before_a_history_edit_is_not_saved(org):
    with org.organisation() as (_, epoch):
        pass
    org.write(Records(interactions=[Interaction("IX", "K3", "contact", datetime(2025, 12, 5, tzinfo=timezone.utc), ("B2",))]))
    assert org.save_trend_points({"k": (D(2025, 12, 1), {"stale_clients": 99})}, epoch) is False
    assert org.trend_points(["k"]) == {}


def test_the_first_day_a_write_can_change():
    from graphcrm.model import Coverage, Staff

    old = Coverage("S", "C", "intel", "lead", D(2026, 1, 1))
    assert history_start(old, None) == D(2026, 1, 1)
    assert history_start(old, old) is None
    assert history_start(Coverage("S", "C", "intel", "lead", D(2026, 1, 1), D(2026, 5, 1)), old) == D(2026, 5, 1)
    assert history_start(Coverage("S", "C", "intel", "backup", D(2026, 1, 1)), old) == date.min
    person = Staff("S", "Sam", tier="intel", joined=D(2025, 1, 1))
    assert history_start(Staff("S", "Sam", tier="intel", joined=D(2025, 1, 1), left=D(2026, 2, 1)), person) == D(2026, 2, 1)
    assert history_start(Staff("S", "Sam", tier="intel", joined=None), person) == date.min
    assert history_start(Staff("S", "Sam", tier="planning", joined=D(2025, 1, 1)), person) == date.min

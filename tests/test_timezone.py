"""The organisation's time zone (DESIGN 13): an interaction's day is its day there, on both stores, in every rule."""

import os
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from graphcrm.config import Policy, Settings, load_settings
from graphcrm.errors import ConfigError, ParameterError
from graphcrm.importer import read_folder
from graphcrm.model import Client, Coverage, Interaction, Records, Staff, Tier
from graphcrm.permissions import User
from graphcrm.reports import catalogue, run_report
from graphcrm.service import Service
from graphcrm.stores import open_store
from graphcrm.times import DayClock, day_in, day_start, micros, zone_named

from strategies import AS_OF_DATES, ZONE_HOURS, organisations, report_params

ZONES = ("UTC", "Asia/Shanghai", "America/New_York")
EXAMPLES = int(os.environ.get("GRAPHCRM_ZONE_PARITY_EXAMPLES", "40"))
SHANGHAI = Policy(timezone="Asia/Shanghai")
UTC = timezone.utc


# -- the calendar -----------------------------------------------------------------------------
def test_a_day_starts_at_local_midnight_or_when_the_clock_jumps():
    assert day_start(date(2026, 3, 1), zone_named("Asia/Shanghai")) == datetime(2026, 2, 28, 16, tzinfo=UTC)
    assert day_start(date(2026, 7, 1), zone_named("America/New_York")) == datetime(2026, 7, 1, 4, tzinfo=UTC)
    # Santiago skipped midnight on 2022-09-11: the day began at 01:00 local, 04:00 UTC.
    santiago = zone_named("America/Santiago")
    assert day_start(date(2022, 9, 11), santiago) == datetime(2022, 9, 11, 4, tzinfo=UTC)
    assert day_in(day_start(date(2022, 9, 11), santiago), santiago) == date(2022, 9, 11)


@pytest.mark.parametrize("zone", ZONES + ("America/Santiago", "Australia/Lord_Howe"))
def test_the_day_clock_agrees_with_zoneinfo_across_daylight_saving(zone):
    tz = zone_named(zone)
    clock = DayClock(tz, date(2025, 1, 1), date(2025, 12, 31))
    moment = datetime(2024, 12, 30, tzinfo=UTC)
    while moment < datetime(2026, 1, 3, tzinfo=UTC):
        assert clock.day(micros(moment)) == day_in(moment, tz), moment
        moment += timedelta(minutes=37)


def test_unknown_zones_are_refused_with_the_setting_named(tmp_path):
    path = tmp_path / "org.toml"
    path.write_text('[organisation]\ntimezone = "Asia/Shanghai"\n')
    assert load_settings(config=path, environ={}, cwd=tmp_path).policy.timezone == "Asia/Shanghai"
    path.write_text('[organisation]\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError, match=r"org.toml: organisation.timezone: unknown time zone 'Mars/Olympus'"):
        load_settings(config=path, environ={}, cwd=tmp_path)
    path.write_text('[organisation]\ncolour = "red"\n')
    with pytest.raises(ConfigError, match="organisation.colour: unknown setting"):
        load_settings(config=path, environ={}, cwd=tmp_path)
    with pytest.raises(ParameterError, match="Mars"):
        Policy().overridden({"timezone": "Mars/Olympus"})
    assert Policy().overridden({"timezone": "Asia/Shanghai"}).as_dict()["timezone"] == "Asia/Shanghai"


# -- a visit at 07:00 in Shanghai on 1 March is a 1 March visit -----------------------------------------
def _morning_visit() -> Records:
    return Records(
        tiers=[Tier("intel", 1)], staff=[Staff("S1", tier="intel")], clients=[Client("K1", grade="C")],
        coverage=[Coverage("S1", "K1", "intel", "lead")],
        interactions=[
            # 07:00 and 07:30 on 1 March in UTC+8 are 23:00 and 23:30 on 28 February in UTC.
            Interaction("I1", "K1", "contact", datetime(2026, 2, 28, 23, tzinfo=UTC), ("S1",)),
            Interaction("I2", "K1", "assessment", datetime(2026, 2, 28, 23, 30, tzinfo=UTC), ("S1",), grade="A"),
        ])


def test_a_visit_at_seven_local_on_1_march_counts_on_1_march(store):
    store.write(_morning_visit())

    def rows(name, day, policy=SHANGHAI):
        return run_report(store, name, day, {}, policy).rows

    assert {r["grade"] for r in rows("coverage", date(2026, 2, 28))} == {"C"}
    assert {r["grade"] for r in rows("coverage", date(2026, 3, 1))} == {"A"}
    assert rows("stale_clients", date(2026, 3, 20)) == [
        {"client": "K1", "grade": "A", "last": date(2026, 3, 1), "days_silent": 19, "limit": 14}]
    assert [(r["last"], r["interactions"]) for r in rows("relationships", date(2026, 3, 1))] == [(date(2026, 3, 1), 2)]
    assert rows("relationships", date(2026, 2, 28)) == []
    # In UTC the same moments are 28 February.
    assert rows("stale_clients", date(2026, 3, 20), Policy())[0]["last"] == date(2026, 2, 28)
    assert {r["grade"] for r in rows("coverage", date(2026, 2, 28), Policy())} == {"A"}


def test_an_at_without_an_offset_is_local_to_the_organisation(tmp_path):
    (tmp_path / "clients.csv").write_text("id\nK1\n")
    (tmp_path / "interactions.csv").write_text(
        "id,client,kind,at\nI1,K1,contact,2026-03-01T07:00:00\nI2,K1,contact,2026-03-01T07:00:00+08:00\n"
        "I3,K1,contact,2026-03-01T07:00:00Z\n")
    found = {i.id: i.at for i in read_folder(tmp_path, zone=zone_named("Asia/Shanghai")).interactions}
    assert found == {"I1": datetime(2026, 2, 28, 23, tzinfo=UTC), "I2": datetime(2026, 2, 28, 23, tzinfo=UTC),
                     "I3": datetime(2026, 3, 1, 7, tzinfo=UTC)}


def test_the_service_reads_times_and_days_in_the_organisations_zone(embedded_store):
    embedded_store.write(_morning_visit())
    clock = datetime(2026, 3, 1, 1, tzinfo=UTC)                 # 09:00 on 1 March in Shanghai
    service = Service(embedded_store, Settings(policy=SHANGHAI), clock=lambda: clock)
    rep = User("rep@example.com", "staff", "S1")
    change = service.log_interaction(rep, "K1", "contact", "2026-03-01T08:00", summary="visit")
    assert change.records.interactions[0].at == datetime(2026, 3, 1, 0, tzinfo=UTC)
    assert service._today() == date(2026, 3, 1)


# -- both stores agree on generated organisations, in three zones ----------------------------------------------
@pytest.mark.parametrize("zone", ZONES)
def test_every_report_agrees_on_both_stores_in_each_zone(neo4j_session_store, zone):
    policy = Policy(concentration_min_interactions=2, concentration_share=0.5, timezone=zone)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(records=organisations(hours=ZONE_HOURS))
    def agree(records):
        neo4j_session_store.clear()
        neo4j_session_store.write(records)
        embedded = open_store("sqlite:///:memory:")
        try:
            embedded.write(records)
            for as_of in AS_OF_DATES:
                for name in catalogue():
                    params = report_params(name, records)
                    expected = run_report(embedded, name, as_of, params, policy)
                    got = run_report(neo4j_session_store, name, as_of, params, policy)
                    assert got.rows == expected.rows, (zone, name, as_of)
                    assert got.summary == expected.summary, (zone, name, as_of)
        finally:
            embedded.close()

    agree()

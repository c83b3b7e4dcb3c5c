"""The rules the forms are built from, on both stores: no default that changes state, no interaction without people
or words, off-tier coverage only as a confirmed exception, releases that agree with the table, errors that name
their field, audit filters by words, and report ids that must exist."""

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from graphcrm.config import Policy, Settings
from graphcrm.errors import ChangeRefused, ParameterError, PermissionDenied
from graphcrm.permissions import User, off_tier, stage_choices, stage_move
from graphcrm.readmodel import client_page
from graphcrm.reports import run_report
from graphcrm.service import Service

from handbuilt import organisation

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
AT = datetime(2026, 2, 28, 9, tzinfo=timezone.utc)
MANAGER = User("boss@x.org", "manager")
INTEL = User("a1@x.org", "staff", "A1")
PLANNER = User("b1@x.org", "staff", "B1")


@pytest.fixture
def service(store):
    store.write(organisation())
    return Service(store, Settings(), clock=lambda: NOW)


def refused(call, field, cls=ChangeRefused):
    with pytest.raises(cls) as caught:
        call()
    assert caught.value.field == field, str(caught.value)
    assert str(caught.value).startswith(f"{field}: ")
    return str(caught.value)


# -- handovers: the stage is chosen, a step back is confirmed by name --------------------------------------
def test_a_handover_names_its_stage_and_a_step_back_needs_a_confirmation(service):
    store = service.store
    assert stage_choices(store.client_view("K1"), TODAY) == [("planning", "forward"), ("solution", "forward")]
    refused(lambda: service.handover(INTEL, "K1", "", AT, "moving on"), "stage")
    service.handover(INTEL, "K1", "planning", AT, "first pass done")
    view = store.client_view("K1")
    assert stage_move(view, "intel", TODAY) == "back" and stage_move(view, "solution", TODAY) == "forward"
    assert stage_choices(view, TODAY) == [("intel", "back"), ("solution", "forward")]
    before = store.read_all().canonical()
    message = refused(lambda: service.handover(PLANNER, "K1", "intel", NOW, "needs more data"), "confirm")
    assert "back from planning to the earlier stage intel" in message
    assert store.read_all().canonical() == before
    change = service.handover(PLANNER, "K1", "intel", NOW, "needs more data", back=True)
    assert change.records.interactions[0].stage == "intel"
    assert client_page(store, Settings(), MANAGER, "K1", TODAY, TODAY)["stage"] == "intel"


# -- interactions: people and words ------------------------------------------------------------------------
def test_an_interaction_needs_a_summary_and_participants(service):
    before = service.store.read_all().canonical()
    refused(lambda: service.log_interaction(INTEL, "K1", "contact", AT, summary="  "), "summary")
    refused(lambda: service.log_interaction(MANAGER, "K1", "contact", AT, summary="visit"), "staff")
    refused(lambda: service.assess(MANAGER, "K2", "B", AT, summary="regraded"), "staff")
    refused(lambda: service.handover(MANAGER, "K1", "planning", AT, "", ["A1"]), "summary")
    assert service.store.read_all().canonical() == before
    mine = service.log_interaction(INTEL, "K1", "contact", AT, summary="visit")           # a staff login takes part itself
    assert mine.records.interactions[0].staff == ("A1",)
    theirs = service.assess(MANAGER, "K2", "B", AT, summary="regraded", staff=["B1"])
    assert theirs.records.interactions[0].staff == ("B1",) and theirs.records.interactions[0].summary == "regraded"


def test_a_refusal_by_split_authority_names_what_to_change(service):
    message = refused(lambda: service.log_interaction(INTEL, "K1", "transaction", AT, summary="sold"), "kind",
                      PermissionDenied)
    assert "records need, contact, not transaction" in message
    # An event dated before the coverage began: the day is what to change.
    refused(lambda: service.log_interaction(INTEL, "K2", "contact", datetime(2025, 4, 1, tzinfo=timezone.utc),
                                            summary="early"), "at", PermissionDenied)


# -- coverage: off-tier only as a confirmed exception; releases that agree with the table --------------------
def test_off_tier_coverage_is_refused_unless_confirmed_with_a_reason_which_the_audit_keeps(service):
    store = service.store
    a4 = next(s for s in organisation().staff if s.id == "A4")
    assert off_tier(a4, "solution") and not off_tier(a4, "intel")
    before = store.read_all().canonical()
    message = refused(lambda: service.assign(MANAGER, "A4", "K3", "solution", since=TODAY), "reason")
    assert "A4 works in the intel tier, not solution" in message
    refused(lambda: service.assign(MANAGER, "A4", "K3", "solution", since=TODAY, exception="   "), "reason")
    assert store.read_all().canonical() == before
    change = service.assign(MANAGER, "A4", "K3", "solution", since=TODAY, exception="only Mandarin speaker for the site visit")
    assert change.records.coverage[0].tier == "solution"
    entry = store.list_audit(action="assign")[0]
    assert json.loads(entry.after)["exception"] == "only Mandarin speaker for the site visit"
    # An assignment in the person's own tier is not an exception: its audit entry is the coverage alone.
    service.assign(MANAGER, "A5", "K3", "intel", since=TODAY)
    plain = next(e for e in store.list_audit(action="assign") if "A5" in e.after)
    assert "exception" not in json.loads(plain.after)


def test_releasing_on_the_day_of_the_assignment_says_when_it_can_end(service):
    store = service.store
    service.assign(MANAGER, "A5", "K3", "intel", since=TODAY)
    page = client_page(store, Settings(), MANAGER, "K3", TODAY, TODAY)
    assert "A5" in next(r for r in page["coverage"] if r["tier"] == "intel")["staff"]     # the table says: covers today
    message = refused(lambda: service.release(MANAGER, "A5", "K3", "intel", TODAY), "until")
    assert "began covering the intel stage of K3 on 2026-03-01" in message and "(2026-03-02)" in message
    assert "does not cover" not in message
    service.release(MANAGER, "A5", "K3", "intel", TODAY + timedelta(days=1))
    assert {(c.since, c.until) for c in store.read_all().coverage if c.staff == "A5"} == {(TODAY, date(2026, 3, 2))}
    refused(lambda: service.release(MANAGER, "A4", "K1", "intel"), "staff")


# -- the audit trail by words ------------------------------------------------------------------------------
def test_the_audit_trail_filters_by_words(service):
    service.log_interaction(INTEL, "K1", "contact", AT, summary="one")
    service.assess(PLANNER, "K2", "B", AT, summary="regraded")
    service.assign(MANAGER, "A5", "K3", "intel", since=TODAY)
    assert [e.action for e in service.audit(MANAGER, action="assess")] == ["assessment"]
    assert [e.action for e in service.audit(MANAGER, action="ASSESS")] == ["assessment"]
    assert [e.target for e in service.audit(MANAGER, target="K3")] == ["client:K3"]
    assert {e.actor for e in service.audit(MANAGER, actor="boss")} == {"boss@x.org"}
    assert service.audit(MANAGER, action="nothing-like-it") == []


# -- reports: an id that names nothing is an error -----------------------------------------------------------
def test_a_report_refuses_ids_that_name_nothing(service):
    store = service.store
    with pytest.raises(ParameterError) as caught:
        run_report(store, "departure_impact", TODAY, {"staff": "A1, S999"}, Policy())
    assert caught.value.field == "staff" and "unknown staff member 'S999'" in str(caught.value)
    assert store.existing_ids("clients", ["K1", "K9"]) == {"K1"}
    assert store.existing_ids("teams", ["T1", "T9", "K1"]) == {"T1"}
    assert store.existing_ids("staff", ["A1", "K1"]) == {"A1"}
    assert run_report(store, "departure_impact", TODAY, {"staff": "A1"}, Policy()).summary["clients_orphaned"] >= 1


def test_the_directory_names_every_record(service):
    names = service.store.directory()
    assert names.name("clients", "K1") == "Alpha Foods" and names.name("staff", "A1") == "Ann One"
    assert names.name("teams", "T1") == "Alpha team" and names.name("tiers", "intel") == "Intelligence"
    assert names.name("clients", "K9") is None and len(names.clients) == 4 and len(names.staff) == 10

"""The service layer on both stores: split authority, every change, idempotent retries, the audit trail, departures."""

import json
from datetime import date, datetime, timezone

import pytest

from graphcrm.config import Settings
from graphcrm.model import Records
from graphcrm.errors import ChangeRefused, PermissionDenied
from graphcrm.service import Service
from graphcrm.permissions import User

from handbuilt import organisation

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
ADMIN = User("admin@x.org", "admin")
MANAGER = User("boss@x.org", "manager")
ANALYST = User("ana@x.org", "analyst")
INTEL = User("a1@x.org", "staff", "A1")        # tier 1, covers the intel stage of K1 and K2
PLANNER = User("b1@x.org", "staff", "B1")      # tier 2, covers planning of K1 and K2 (and solution of K2)
SOLVER = User("c1@x.org", "staff", "C1")       # tier 3, covers solution of K1 and K2
LEAVER = User("a2@x.org", "staff", "A2")       # left on 2026-03-01
AT = datetime(2026, 2, 28, 9, tzinfo=timezone.utc)


@pytest.fixture
def service(store):
    store.write(organisation())
    return Service(store, Settings(), clock=lambda: NOW)


# (user, action, client, allowed?) -- the split-authority table of DESIGN 9 on the hand-built organisation.
MATRIX = [
    (ADMIN, "contact", "K3", True), (MANAGER, "assessment", "K3", True), (MANAGER, "need", "K4", True),
    (ANALYST, "contact", "K1", False), (ANALYST, "need", "K1", False),
    (INTEL, "contact", "K1", True), (INTEL, "need", "K1", True), (INTEL, "need", "K2", True),
    (INTEL, "communication", "K1", False), (INTEL, "transaction", "K1", False), (INTEL, "assessment", "K1", False),
    (INTEL, "contact", "K3", False), (INTEL, "need", "K4", False),                      # does not cover them
    (PLANNER, "assessment", "K1", True), (PLANNER, "assessment", "K2", True),
    (PLANNER, "contact", "K1", False), (PLANNER, "need", "K1", False), (PLANNER, "assessment", "K4", False),
    (SOLVER, "communication", "K1", True), (SOLVER, "transaction", "K2", True),
    (SOLVER, "contact", "K1", False), (SOLVER, "assessment", "K1", False), (SOLVER, "transaction", "K3", False),
    (LEAVER, "contact", "K1", False),                                                  # no longer active
]


def attempt(service, user, action, client):
    # Managers and admins name who took part (a staff login takes part itself).
    who = None if user.is_staff else ["B1"]
    if action == "need":
        return service.record_need(user, client, "gift boxes", date(2026, 2, 28))
    if action == "assessment":
        return service.assess(user, client, "B", AT, summary="graded after the visit", staff=who)
    return service.log_interaction(user, client, action, AT, staff=who, summary="visit")


@pytest.mark.parametrize("user, action, client, allowed", MATRIX, ids=lambda v: getattr(v, "email", v))
def test_split_authority(service, user, action, client, allowed):
    before = service.store.read_all().canonical()
    if allowed:
        change = attempt(service, user, action, client)
        assert change.audit is not None and change.audit.actor == user.email
        assert service.store.read_all().canonical() != before
    else:
        with pytest.raises(PermissionDenied) as caught:
            attempt(service, user, action, client)
        assert "split authority" in str(caught.value) or "read but do not record" in str(caught.value)
        assert service.store.read_all().canonical() == before
        assert service.store.list_audit() == []


def test_handover_belongs_to_the_tier_holding_the_stage(service):
    # K1 is in stage intel: the planner may not hand it on, its intel coverer may.
    with pytest.raises(PermissionDenied, match="only its intel tier hands it on"):
        service.handover(PLANNER, "K1", "planning", AT, "to planning")
    change = service.handover(INTEL, "K1", "planning", AT, "to planning")
    assert change.records.interactions[0].stage == "planning"
    assert service.handover(PLANNER, "K1", "solution", NOW, "to solution").records.interactions[0].stage == "solution"
    with pytest.raises(ChangeRefused, match="already in stage 'solution'"):
        service.handover(MANAGER, "K1", "solution", NOW, "again", ["C1"])


def test_an_assessment_sets_the_grade_from_that_day(service):
    from graphcrm.config import Policy
    from graphcrm.reports import run_report

    service.assess(PLANNER, "K1", "C", datetime(2026, 2, 20, tzinfo=timezone.utc), score=55, summary="smaller than thought")
    grades = {r["client"]: r["grade"] for r in run_report(service.store, "coverage", date(2026, 3, 1), {}, Policy()).rows}
    assert grades["K1"] == "C"
    earlier = {r["client"]: r["grade"] for r in run_report(service.store, "coverage", date(2026, 2, 19), {}, Policy()).rows}
    assert earlier["K1"] == "A"            # history is kept: before the assessment, the declared grade


def test_retries_do_not_record_twice(service):
    first = service.log_interaction(INTEL, "K1", "contact", AT, summary="same call")
    again = service.log_interaction(INTEL, "K1", "contact", AT, summary="same call")
    assert first.records.interactions[0].id == again.records.interactions[0].id
    supplied = [service.record_need(INTEL, "K1", "canteen", date(2026, 2, 1), id="client-uuid-1") for _ in range(3)]
    stored = service.store.read_all()
    assert sum(1 for i in stored.interactions if i.summary == "same call") == 1
    assert sum(1 for n in stored.needs if n.id == "client-uuid-1") == 1 and supplied[0].audit.id == supplied[2].audit.id
    assert len(service.store.list_audit()) == 2


@pytest.mark.parametrize("call, message", [
    (lambda s: s.log_interaction(MANAGER, "K9", "contact", AT, ["A1"], "visit"), "unknown client 'K9'"),
    (lambda s: s.log_interaction(MANAGER, "K1", "lunch", AT, ["A1"], "visit"), "kind: 'lunch'"),
    (lambda s: s.log_interaction(MANAGER, "K1", "contact", datetime(2026, 3, 5, tzinfo=timezone.utc), ["A1"], "visit"),
     "in the future"),
    (lambda s: s.log_interaction(MANAGER, "K1", "contact", AT, staff=["NOBODY"], summary="visit"),
     "unknown staff member 'NOBODY'"),
    (lambda s: s.assess(MANAGER, "K1", "D", AT, summary="x", staff=["B1"]), "grade: 'D' is not A, B or C"),
    (lambda s: s.assess(MANAGER, "K1", "A", AT, score=140, summary="x", staff=["B1"]), "score: 140"),
    (lambda s: s.handover(MANAGER, "K1", "sales", AT, "x", ["A1"]), "stage: 'sales' is not a tier"),
    (lambda s: s.record_need(MANAGER, "K1", "  ", date(2026, 2, 1)), "needs a summary"),
    (lambda s: s.assign(MANAGER, "A4", "K1", "marketing"), "tier 'marketing' does not exist"),
    (lambda s: s.assign(MANAGER, "A3", "K1", "intel", since=date(2026, 3, 1)), "A3 is not active on 2026-03-01"),
    (lambda s: s.assign(MANAGER, "A1", "K1", "intel", since=date(2026, 3, 1)), "already covers the intel stage of K1"),
    (lambda s: s.release(MANAGER, "A4", "K1", "intel"), "A4 does not cover the intel stage of K1"),
    (lambda s: s.engage(MANAGER, "T9", "K1"), "unknown team 'T9'"),
    (lambda s: s.leave(MANAGER, "A2", date(2026, 3, 5)), "A2 is not active on 2026-03-05"),
])
def test_bad_changes_are_refused_and_change_nothing(service, call, message):
    before = service.store.read_all().canonical()
    with pytest.raises(ChangeRefused, match=message):
        call(service)
    assert service.store.read_all().canonical() == before


def test_only_managers_and_admins_change_coverage_and_record_departures(service):
    for user in (ANALYST, INTEL, PLANNER):
        with pytest.raises(PermissionDenied, match="only managers and admins"):
            service.assign(user, "A4", "K1", "intel")
        with pytest.raises(PermissionDenied, match="only managers and admins"):
            service.leave(user, "A1", date(2026, 3, 1))


def test_assign_and_release_keep_history(service):
    service.assign(MANAGER, "A4", "K1", "intel", "backup", date(2026, 3, 1))
    service.release(ADMIN, "A1", "K1", "intel", date(2026, 4, 1))
    service.release(ADMIN, "A1", "K1", "intel", date(2026, 4, 1))             # a retry is harmless
    coverage = [c for c in service.store.read_all().coverage if c.client == "K1" and c.tier == "intel"]
    assert {(c.staff, c.since, c.until) for c in coverage} == {
        ("A1", date(2025, 1, 1), date(2026, 4, 1)), ("A2", date(2025, 1, 1), None), ("A4", date(2026, 3, 1), None)}
    entries = service.store.list_audit(action="release")
    assert len(entries) == 1
    assert json.loads(entries[0].before)["until"] is None and json.loads(entries[0].after)["until"] == "2026-04-01"


def test_team_engagement(service):
    service.engage(MANAGER, "T3", "K4", date(2026, 2, 1))
    service.disengage(MANAGER, "T3", "K4", date(2026, 2, 15))
    assert ("T3", "K4", date(2026, 2, 1), date(2026, 2, 15)) in {
        (e.team, e.client, e.since, e.until) for e in service.store.read_all().engagements}


def test_leave_shows_the_impact_then_ends_coverage_and_memberships(service):
    preview = service.preview_leave(MANAGER, "A1", date(2026, 3, 1))
    assert [r["client"] for r in preview.rows] == ["K1", "K2"] and preview.summary["clients_orphaned"] == 2
    assert next(s for s in service.store.read_all().staff if s.id == "A1").left is None    # the preview writes nothing
    change = service.leave(MANAGER, "A1", date(2026, 3, 1))
    stored = service.store.read_all()
    a1 = next(s for s in stored.staff if s.id == "A1")
    assert a1.left == date(2026, 3, 1) and a1.name == "Ann One" and a1.manager == "M1"     # nothing else lost
    assert {c.until for c in stored.coverage if c.staff == "A1"} == {date(2026, 3, 1)}
    assert {m.until for m in stored.memberships if m.staff == "A1"} == {date(2026, 3, 1)}
    assert len(stored.coverage) == len(organisation().coverage)                              # ended, not deleted
    assert json.loads(change.audit.after)["coverage_ended"] == 2
    assert service.leave(MANAGER, "A1", date(2026, 3, 1)).audit is None                     # a retry is a no-op


def test_the_audit_trail_lists_and_filters(service):
    service.log_interaction(INTEL, "K1", "contact", AT, summary="one")
    service.assess(PLANNER, "K2", "B", AT, summary="regraded")
    service.assign(MANAGER, "A4", "K3", "intel", since=date(2026, 3, 1))
    everything = service.audit(MANAGER)
    assert [e.action for e in everything] == ["assign", "assessment", "log"] or len(everything) == 3
    assert {e.actor for e in service.audit(MANAGER, action="assessment")} == {"b1@x.org"}
    assert [e.target for e in service.audit(ANALYST, target="client:K3")] == ["client:K3"]
    assert [e.actor for e in service.audit(INTEL)] == ["a1@x.org"]                          # staff see their own
    with pytest.raises(PermissionDenied):
        service.audit(INTEL, actor="boss@x.org")
    assert all(e.at.tzinfo is not None for e in everything)


def test_a_change_and_its_audit_entry_are_one_transaction(service):
    """When the audit entry cannot be written, the records written before it in the transaction are undone too."""
    from graphcrm.model import AuditEntry, Interaction

    change = Records(interactions=[Interaction("X1", "K1", "contact", AT, ("A1",))])
    broken = AuditEntry("A-test", "not-a-time", "boss@x.org", "log", "client:K1", None, "{}")
    with pytest.raises(Exception):
        service.store.write(change, audit=broken)
    assert service.store.list_audit() == []
    assert "X1" not in {i.id for i in service.store.read_all().interactions}

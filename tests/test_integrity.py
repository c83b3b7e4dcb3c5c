"""Issue 9, findings 1, 4 and 8 through the web, on both stores: no overwriting through a supplied id, permission
on today's coverage whatever `as_of`, checks inside the write transaction, and no form offered that is refused."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta, timezone

import pytest

import graphcrm.service as service_module
from graphcrm.errors import ChangeRefused, PermissionDenied
from graphcrm.permissions import LOG_KINDS, MANAGE_ACTIONS, RECORD_ACTIONS
from graphcrm.webapp import create_app

from handbuilt import organisation

PASSWORD = "correct-horse-battery"


@pytest.fixture
def app(store, tmp_path):
    store.write(organisation())
    application = create_app({"GRAPHCRM_STORE": store.url, "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    users = application.extensions["graphcrm"].users
    users.add("boss@x.org", "manager", None, PASSWORD)
    for staff in ("A1", "B1", "B2", "C1", "C2", "A5", "M1"):
        users.add(f"{staff.lower()}@x.org", "staff", staff, PASSWORD)
    yield application
    application.extensions["graphcrm"].close()


def bearer(app, email):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + app.extensions["graphcrm"].users.create_token(email)
    return client


def _snapshot(app, client):
    interactions, needs = app.extensions["graphcrm"].store.client_timeline(client, 100_000)
    return sorted(interactions, key=lambda i: i.id), sorted(needs, key=lambda n: n.id)


# -- finding 1: a supplied id never overwrites --------------------------------------------------------
def test_a_supplied_id_of_another_clients_interaction_is_a_conflict(app):
    """The attack of the issue: A1 covers K1, not K4; posting K4's handover id I20 to K1 must change nothing."""
    state = app.extensions["graphcrm"]
    before_k4, before_k1 = _snapshot(app, "K4"), _snapshot(app, "K1")
    audit_before = state.store.list_audit(limit=1000)
    response = bearer(app, "a1@x.org").post("/api/clients/K1/interactions", json={"kind": "contact", "summary": "x", "id": "I20"})
    assert response.status_code == 409 and "I20" in response.get_json()["error"], response.get_json()
    assert _snapshot(app, "K4") == before_k4 and _snapshot(app, "K1") == before_k1
    assert state.store.list_audit(limit=1000) == audit_before
    stored = next(i for i in _snapshot(app, "K4")[0] if i.id == "I20")
    assert (stored.client, stored.kind, stored.stage) == ("K4", "handover", "planning")


def test_a_supplied_id_of_another_clients_need_is_a_conflict(app):
    state = app.extensions["graphcrm"]
    before = _snapshot(app, "K3"), _snapshot(app, "K1")
    audit_before = state.store.list_audit(limit=1000)
    response = bearer(app, "a1@x.org").post("/api/clients/K1/needs", json={"summary": "x", "id": "N3"})
    assert response.status_code == 409 and "N3" in response.get_json()["error"]
    assert (_snapshot(app, "K3"), _snapshot(app, "K1")) == before
    assert state.store.list_audit(limit=1000) == audit_before


@pytest.mark.parametrize("url, body, changed", [
    ("/api/clients/K1/interactions", {"kind": "contact", "summary": "visit", "id": "retry-1", "at": "2026-02-28T09:00:00Z"},
     {"summary": "another visit"}),
    ("/api/clients/K1/interactions", {"kind": "contact", "summary": "visit", "id": "retry-2", "at": "2026-02-28T09:00:00Z"},
     {"at": "2026-02-28T10:00:00Z"}),
    ("/api/clients/K1/needs", {"summary": "gift boxes", "id": "retry-3", "detected": "2026-02-20"}, {"summary": "canteen"}),
    ("/api/clients/K1/needs", {"summary": "gift boxes", "id": "retry-4", "detected": "2026-02-20"}, {"detected": "2026-02-21"}),
])
def test_the_same_id_with_the_same_content_is_a_no_op_and_with_other_content_a_conflict(app, url, body, changed):
    state = app.extensions["graphcrm"]
    client = bearer(app, "a1@x.org")
    first = client.post(url, json=body)
    assert first.status_code == 200 and first.get_json()["audit"]
    entries = state.store.list_audit(limit=1000)
    again = client.post(url, json=body)
    assert again.status_code == 200 and "already recorded" in again.get_json()["message"]
    conflict = client.post(url, json={**body, **changed})
    assert conflict.status_code == 409
    elsewhere = client.post(url.replace("K1", "K2"), json=body)       # the same id for another client
    assert elsewhere.status_code == 409
    assert state.store.list_audit(limit=1000) == entries
    assert _snapshot(app, "K2") == _snapshot(app, "K2")


# -- finding 4: read and write permission on today's coverage -----------------------------------------
def test_after_a_release_an_earlier_as_of_reads_nothing_and_back_dated_records_are_refused(app):
    state = app.extensions["graphcrm"]
    c2 = bearer(app, "c2@x.org")                 # C2 covers K3's solution stage; its team's engagement of K3 has ended
    assert c2.get("/api/clients/K3").status_code == 200
    back = {"kind": "communication", "summary": "old call", "at": "2026-02-01T09:00:00Z"}
    assert c2.post("/api/clients/K3/interactions", json={**back, "id": "before-release"}).status_code == 200
    released = bearer(app, "boss@x.org").post("/api/coverage/release", json={"staff": "C2", "client": "K3", "tier": "solution"})
    assert released.status_code == 200
    for url in ("/api/clients/K3", "/api/clients/K3?as_of=2026-02-01", "/api/clients/K3?as_of=2025-06-01"):
        assert c2.get(url).status_code == 403, url
    timeline = _snapshot(app, "K3")
    refused = c2.post("/api/clients/K3/interactions", json=back)       # dated when C2 still covered K3
    assert refused.status_code == 403 and "split authority" in refused.get_json()["error"]
    assert _snapshot(app, "K3") == timeline
    assert state.store.list_audit(actor="c2@x.org", limit=100)[0].target == "client:K3"


def test_an_earlier_release_also_hides_the_past(app):
    """B2's K1 coverage and team ended on 2026-03-01: K1 as of February, when B2 covered it, is not B2's to read."""
    b2 = bearer(app, "b2@x.org")
    assert b2.get("/api/clients/K1?as_of=2026-02-15").status_code == 403
    response = b2.post("/api/clients/K1/assessments", json={"grade": "A", "at": "2026-02-15T09:00:00Z"})
    assert response.status_code == 403


# -- finding 8: the check runs inside the write transaction -------------------------------------------
def test_a_release_cannot_slip_between_the_check_and_the_write(app, monkeypatch):
    """While A1's contact is past its permission check, a release of A1's coverage must wait for the write."""
    state = app.extensions["graphcrm"]
    manager, a1 = state.users.get("boss@x.org"), state.users.get("a1@x.org")
    real = service_module.authorise_record
    seen = {}

    for client in ("K1", "K2"):
        released = threading.Event()

        def release():
            state.service.release(manager, "A1", client, "intel")
            released.set()

        def checked_then_pause(user, action, *args, **kwargs):
            real(user, action, *args, **kwargs)
            if user.email == "a1@x.org":
                racer = threading.Thread(target=release)
                racer.start()
                seen[client] = released.wait(0.5)            # the release must not commit in this window
            return None

        monkeypatch.setattr(service_module, "authorise_record", checked_then_pause)
        logged = state.service.log_interaction(a1, client, "contact", summary="racing the release", id=f"race-{client}")
        monkeypatch.setattr(service_module, "authorise_record", real)
        assert released.wait(30), "the release never finished"
        assert seen[client] is False, f"{client}: the release committed between the check and the write"
        audit = state.store.list_audit(target=f"client:{client}", limit=10)
        order = [e.action for e in sorted(audit, key=lambda e: e.at)]
        assert order[-2:] == ["log", "release"] and logged.audit is not None
        # And now that the coverage has ended, the same person is refused.
        with pytest.raises(PermissionDenied):
            state.service.log_interaction(a1, client, "contact", summary="after the release")


@pytest.mark.parametrize("round_", range(8))
def test_a_racing_release_and_log_end_consistently(app, round_):
    """Unhooked: whichever commits first, a recorded contact is never later than the release that ended its coverage."""
    state = app.extensions["graphcrm"]
    manager, a1 = state.users.get("boss@x.org"), state.users.get("a1@x.org")
    start = threading.Barrier(2)
    outcome = {}

    def log():
        start.wait()
        try:
            outcome["log"] = state.service.log_interaction(a1, "K1", "contact", summary="race", id=f"race-{round_}")
        except PermissionDenied as exc:
            outcome["log"] = exc

    def release():
        start.wait()
        outcome["release"] = state.service.release(manager, "A1", "K1", "intel")

    threads = [threading.Thread(target=log), threading.Thread(target=release)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome["release"].audit is not None
    if isinstance(outcome["log"], PermissionDenied):
        return
    assert outcome["log"].audit.at < outcome["release"].audit.at
    assert any(i.id == f"race-{round_}" for i in _snapshot(app, "K1")[0])


def _try(service, user, action, client):
    """Do `action` for `client` as `user` with valid data; 'refused' when permission says no."""
    from graphcrm.permissions import client_stage

    now = datetime.now(timezone.utc) - timedelta(minutes=1)
    current = client_stage(service.store.client_view(client), now.date())
    onward = "planning" if current != "planning" else "solution"          # a handover always to another stage
    calls = {
        "contact": lambda: service.log_interaction(user, client, "contact", now, summary="form check"),
        "communication": lambda: service.log_interaction(user, client, "communication", now, summary="form check"),
        "transaction": lambda: service.log_interaction(user, client, "transaction", now, amount=5.0),
        "need": lambda: service.record_need(user, client, "form check"),
        "assessment": lambda: service.assess(user, client, "B", now),
        "handover": lambda: service.handover(user, client, onward, now),
        "assign": lambda: service.assign(user, "A4", client, "intel", "backup"),
        "release": lambda: service.release(user, "C2", client, "solution"),
        "engage": lambda: service.engage(user, "T3", client),
        "disengage": lambda: service.disengage(user, "T1", client),
    }
    try:
        calls[action]()
    except PermissionDenied:
        return "refused"
    except ChangeRefused:
        return "allowed"          # permitted; the data itself was refused (e.g. already in that stage)
    return "allowed"


FORMS = {"log": set(LOG_KINDS), "need": {"need"}, "assess": {"assessment"}, "handover": {"handover"},
         "assign": {"assign"}, "release": {"release"}}


def test_every_offered_form_is_accepted_and_every_other_is_refused(app):
    """The forms of the client page come from client_actions; each offered action succeeds, each other is refused."""
    from graphcrm.permissions import client_actions

    state = app.extensions["graphcrm"]
    checked = 0
    for email in ("boss@x.org", "a1@x.org", "b1@x.org", "c1@x.org", "c2@x.org", "b2@x.org", "a5@x.org", "m1@x.org"):
        user = state.users.get(email)
        page_client = bearer(app, email)
        for client in ("K1", "K2", "K3", "K4"):
            view = state.store.client_view(client)
            offered = client_actions(user, view, date.today(), state.settings.ownership)
            page = page_client.get(f"/api/clients/{client}")
            if page.status_code == 200:
                assert set(page.get_json()["actions"]) == offered, (email, client)
            for action in RECORD_ACTIONS + MANAGE_ACTIONS:
                got = _try(state.service, user, action, client)
                assert got == ("allowed" if action in offered else "refused"), (email, client, action, sorted(offered))
                checked += 1
    assert checked == 8 * 4 * len(RECORD_ACTIONS + MANAGE_ACTIONS)


def test_the_client_page_shows_exactly_the_offered_forms(app):
    from graphcrm.permissions import client_actions

    state = app.extensions["graphcrm"]
    for email in ("boss@x.org", "a1@x.org", "b1@x.org", "c1@x.org", "m1@x.org"):
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        user = state.users.get(email)
        for client_id in ("K1", "K2", "K4"):
            page = client.get(f"/clients/{client_id}")
            if page.status_code != 200:
                continue
            offered = client_actions(user, state.store.client_view(client_id), date.today(), state.settings.ownership)
            shown = set(re.findall(r'id="form-(\w+)"', page.text))
            assert shown == {form for form, actions in FORMS.items() if actions & offered}, (email, client_id, offered)

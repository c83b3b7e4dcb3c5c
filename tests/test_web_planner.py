"""The planner, changes, trends and chains through the JSON API and the pages, on both stores."""

import re

import pytest

from graphcrm.webapp import create_app

from handbuilt import organisation

PASSWORD = "correct-horse-battery"
USERS = {"manager": ("boss@x.org", None), "analyst": ("ana@x.org", None), "staff": ("a1@x.org", "A1")}


@pytest.fixture
def app(store, tmp_path):
    store.write(organisation())
    application = create_app({"GRAPHCRM_STORE": store.url, "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    state = application.extensions["graphcrm"]
    for role, (email, staff) in USERS.items():
        state.users.add(email, role, staff, PASSWORD)
    yield application
    state.close()


def token_client(app, role):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.extensions['graphcrm'].users.create_token(USERS[role][0])}"
    return client


def test_the_new_reports_through_the_api(app):
    analyst = token_client(app, "analyst")
    plan = analyst.get("/api/reports/coverage_plan?as_of=2026-03-01&leaving=A1").get_json()
    assert plan["report"] == "coverage_plan" and plan["params"]["leaving"] == ["A1"] and plan["summary"]["fingerprint"]
    assert {r["reason"] for r in plan["rows"]} == {"leaving", "gap"}
    changes = analyst.get("/api/reports/changes?as_of=2026-03-01&since=2026-01-01").get_json()
    assert changes["rows"][0] == {"day": "2026-01-15", "kind": "graded", "client": "K2", "staff": None, "team": None,
                                  "tier": None, "from": "B", "to": "A"}
    path = analyst.get("/api/reports/path?as_of=2026-03-01&from=A1&to=C1").get_json()
    assert [r["rank"] for r in path["rows"]] == [1, 2, 3] and path["rows"][2]["steps"][1]["id"] == "T1"
    bad = analyst.get("/api/reports/path?as_of=2026-03-01&from=A1&to=ZZ")
    assert bad.status_code == 400 and "no person, client or team" in bad.get_json()["error"]
    trend = analyst.get("/api/trend?from=2026-01-01&to=2026-03-01&every=month").get_json()
    assert [p["day"] for p in trend["points"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert {s["key"] for s in trend["series"]} >= {"coverage_gaps", "truck_factor", "value_at_risk"}
    assert analyst.get("/api/trend?from=2026-01-01").status_code == 400
    staff = token_client(app, "staff")
    assert staff.get("/api/reports/coverage_plan").status_code == 403 and staff.get("/api/trend?from=2026-01-01&to=2026-02-01").status_code == 403


def test_managers_apply_the_plan_they_reviewed(app):
    manager, analyst = token_client(app, "manager"), token_client(app, "analyst")
    plan = manager.get("/api/reports/coverage_plan?as_of=2026-03-01").get_json()
    body = {"as_of": "2026-03-01", "fingerprint": plan["summary"]["fingerprint"]}
    assert analyst.post("/api/plans/apply", json=body).status_code == 403
    assert manager.post("/api/plans/apply", json={"as_of": "2026-03-01"}).status_code == 400
    stale = manager.post("/api/plans/apply", json={**body, "fingerprint": "f" * 24})
    assert stale.status_code == 409 and "stale" in stale.get_json()["error"]
    applied = manager.post("/api/plans/apply", json=body)
    assert applied.status_code == 200 and applied.get_json()["audit"]
    assert len(applied.get_json()["records"]["coverage"]) == len(plan["rows"])
    # Applied: today's plan is a different one now, so the reviewed fingerprint no longer matches.
    again = manager.post("/api/plans/apply", json=body)
    assert again.status_code == 409
    audit = manager.get("/api/audit?action=plan").get_json()
    assert [e["action"] for e in audit] == ["plan"]


def test_client_and_staff_pages_show_their_changes_and_the_repair(app):
    analyst = token_client(app, "analyst")
    client = analyst.get("/api/clients/K1?as_of=2026-03-01").get_json()
    assert [c["kind"] for c in client["changes"]] == ["engaged", "released"]
    person = analyst.get("/api/staff/A1?as_of=2026-03-01").get_json()
    assert person["repair"]["rows"] and {r["reason"] for r in person["repair"]["rows"]} == {"leaving"}
    assert analyst.get("/api/staff/B2?as_of=2026-03-01").get_json()["changes"][0]["kind"] == "released"
    page = app.test_client()
    form = page.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    page.post("/login", data={"email": "ana@x.org", "password": PASSWORD, "csrf_token": token})
    html = page.get("/staff/A1?as_of=2026-03-01").text
    assert "The plan that would repair it" in html and 'id="recent-changes"' in html
    assert "Recent changes" in page.get("/clients/K1?as_of=2026-03-01").text


def test_the_console_runs_the_networkx_reports_by_name(app):
    page = app.test_client()
    form = page.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    page.post("/login", data={"email": "ana@x.org", "password": PASSWORD, "csrf_token": token})
    chosen = page.get("/console?query=path")
    assert '<option value="path" selected>' in chosen.text and 'name="from"' in chosen.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', chosen.text).group(1)
    result = page.post("/console", data={"query": "path", "from": "A1", "to": "C1", "as_of": "2026-03-01",
                                          "csrf_token": token})
    assert result.status_code == 200 and "3 rows" in result.text


def _page_login(app, email):
    page = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/login").text).group(1)
    page.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return page


def test_a_manager_applies_the_reviewed_plan_from_its_report_page_once(app):
    manager = _page_login(app, "boss@x.org")
    shown = manager.get("/reports/coverage_plan?as_of=2026-03-01&leaving=A1").text
    form = re.search(r'<form method="post" action="/plans/apply".*?</form>', shown, re.S).group(0)
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    assert fields["leaving"] == "A1" and fields["fingerprint"] and "data-confirm" in form
    done = manager.post("/plans/apply", data=fields)
    assert done.status_code == 302
    with manager.session_transaction() as saved:
        flashes = saved.pop("_flashes", [])
    assert [category for category, _ in flashes] == ["ok"], flashes
    # Applied, the plan has nothing left to do: the page offers no form, and posting the same form twice (a double
    # click, a reload) records nothing more; a made-up fingerprint is refused.
    assert 'action="/plans/apply"' not in manager.get("/reports/coverage_plan?as_of=2026-03-01&leaving=A1").text
    manager.post("/plans/apply", data=fields)
    manager.post("/plans/apply", data=dict(fields, fingerprint="0" * 24))
    with manager.session_transaction() as saved:
        assert [category for category, _ in saved.pop("_flashes", [])] == ["error", "error"]
    audit = token_client(app, "manager").get("/api/audit?action=plan").get_json()
    assert len(audit) == 1, audit


def test_staff_are_not_offered_the_plan_and_are_refused_if_they_post_it(app):
    manager_view = _page_login(app, "boss@x.org").get("/reports/coverage_plan?as_of=2026-03-01&leaving=A1").text
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"',
                             re.search(r'<form method="post" action="/plans/apply".*?</form>', manager_view, re.S).group(0)))
    analyst = _page_login(app, "ana@x.org")
    assert 'action="/plans/apply"' not in analyst.get("/reports/coverage_plan?as_of=2026-03-01&leaving=A1").text
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', analyst.get("/").text).group(1)
    analyst.post("/plans/apply", data=fields)
    with analyst.session_transaction() as saved:
        assert [category for category, _ in saved.pop("_flashes", [])] == ["error"]
    assert token_client(app, "manager").get("/api/audit?action=plan").get_json() == []

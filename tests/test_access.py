"""The access matrix: role x situation x every route of the app, generated from app.url_map, on both stores.

Each login is linked to a staff member in one situation towards client K1 (tests/handbuilt.py):
own tier (A1 covers K1's intel stage), other tier (B1 covers K1's planning stage), not covering
(A5 covers nothing), departed (A2 left on 2026-03-01) and released (B2's K1 coverage ended and
their team left). A route of the app that the table below does not know fails the test, so a new
route cannot escape the matrix.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest

from graphcrm.permissions import ROLES
from graphcrm.webapp import create_app

from handbuilt import organisation

PASSWORD = "correct-horse-battery"
SITUATIONS = {"own": "A1", "other": "B1", "none": "A5", "departed": "A2", "released": "B2"}
READ_ALL = {"admin", "manager", "analyst"}
MANAGE = {"admin", "manager"}


def _is(role, *roles):
    return role in roles


# -- what each role may do in each situation --------------------------------------------------------
def everyone(role, sit):
    return True


def reads_all(role, sit):
    return role in READ_ALL


def manages(role, sit):
    return role in MANAGE


def admin_only(role, sit):
    return role == "admin"


def reads_k1(role, sit):
    return role in READ_ALL or sit in ("own", "other")


def reads_a1(role, sit):
    return role in READ_ALL or sit == "own"


def records(action):
    """Who may record `action` for K1 today: managers, and staff whose tier owns it and who cover K1 in that tier."""
    owner = {"contact": "own", "need": "own", "handover": "own", "assessment": "other"}[action]
    return lambda role, sit: role in MANAGE or (role == "staff" and sit == owner)


def api(allowed, status=200):
    """An API outcome: `status` when allowed, 403 when not, 401 for someone who left (their token is dead)."""
    def expect(role, sit, neo4j):
        if sit == "departed":
            return "401"
        return str(status(neo4j) if callable(status) else status) if allowed(role, sit) else "403"
    return expect


def page(allowed):
    def expect(role, sit, neo4j):
        if sit == "departed":
            return "login"
        return "200" if allowed(role, sit) else "403"
    return expect


def form(allowed):
    """A form post: done (flash ok) or refused (flash error); someone who left is sent to the login page."""
    def expect(role, sit, neo4j):
        if sit == "departed":
            return "login"
        return "ok" if allowed(role, sit) else "refused"
    return expect


def public(outcome):
    return lambda role, sit, neo4j: outcome


def login_outcome(role, sit, neo4j):
    return "refused" if sit == "departed" else "302"


NOW = "2026-11-01T09:00:00Z"
# (rule, method, sub-case) -> (how to ask, what to expect). Sub-cases: the <action> of a client form.
MATRIX = {
    ("/api/openapi.json", "GET", ""): (("api", "/api/openapi.json", None), public("200")),
    ("/api/me", "GET", ""): (("api", "/api/me", None), api(everyone)),
    ("/api/tiers", "GET", ""): (("api", "/api/tiers", None), api(everyone)),
    ("/api/reports", "GET", ""): (("api", "/api/reports", None), api(reads_all)),
    ("/api/reports/<name>", "GET", ""): (("api", "/api/reports/coverage", None), api(reads_all)),
    ("/api/graph/search", "GET", ""): (("api", "/api/graph/search?q=K", None), api(reads_all)),
    # The pickers of forms and report parameters look names up among everyone: for those who read everything.
    ("/api/lookup", "GET", ""): (("api", "/api/lookup?kind=staff&q=A", None), api(reads_all)),
    ("/api/graph/neighbourhood", "GET", ""): (("api", "/api/graph/neighbourhood?label=Client&key=K1", None), api(reads_all)),
    # The explorer: staff explore their reach (themselves, their teams, the clients they may read), today only.
    ("/api/graph/opening", "GET", ""): (("api", "/api/graph/opening", None), api(everyone)),
    ("/api/graph/teams", "GET", ""): (("api", "/api/graph/teams", None), api(everyone)),
    ("/api/graph/find", "GET", ""): (("api", "/api/graph/find?q=K", None), api(everyone)),
    ("/api/graph/neighbours", "GET", ""): (("api", "/api/graph/neighbours?label=Client&key=K1", None), api(reads_k1)),
    ("/api/graph/path", "GET", ""): (("api", "/api/graph/path?from=A1&to=K2", None), api(reads_all)),
    ("/api/clients/<client_id>", "GET", ""): (("api", "/api/clients/K1?as_of=2026-01-01", None), api(reads_k1)),
    ("/api/staff/<staff_id>", "GET", ""): (("api", "/api/staff/A1", None), api(reads_a1)),
    ("/api/audit", "GET", ""): (("api", "/api/audit", None), api(everyone)),
    ("/api/trend", "GET", ""): (("api", "/api/trend?from=2026-09-01&to=2026-11-01&every=month", None), api(reads_all)),
    # Applying a plan is for managers; a fingerprint that is not the plan's now is refused as stale (409).
    ("/api/plans/apply", "POST", ""): (("api", "/api/plans/apply", {"fingerprint": "0" * 24, "as_of": "2026-11-01"}),
                                       api(manages, 409)),
    # The report page's "Apply this plan": everyone is refused here (a manager because the fingerprint is stale);
    # tests/test_web_planner.py applies a fresh plan as a manager and is refused as staff.
    ("/plans/apply", "POST", ""): (("form", "/plans/apply", {"fingerprint": "0" * 24, "as_of": "2026-11-01"}),
                                   form(lambda role, sit: False)),
    ("/api/clients/<client_id>/interactions", "POST", ""): (
        ("api", "/api/clients/K1/interactions", {"kind": "contact", "summary": "call", "staff": ["A1"]}), api(records("contact"))),
    ("/api/clients/<client_id>/needs", "POST", ""): (
        ("api", "/api/clients/K1/needs", {"summary": "gift boxes"}), api(records("need"))),
    ("/api/clients/<client_id>/assessments", "POST", ""): (
        ("api", "/api/clients/K1/assessments", {"grade": "B", "summary": "regraded", "staff": ["B1"]}), api(records("assessment"))),
    ("/api/clients/<client_id>/handovers", "POST", ""): (
        ("api", "/api/clients/K1/handovers", {"stage": "planning", "summary": "to planning", "staff": ["A1"]}), api(records("handover"))),
    ("/api/coverage", "POST", ""): (("api", "/api/coverage", {"staff": "A4", "client": "K3", "tier": "intel"}), api(manages)),
    ("/api/coverage/release", "POST", ""): (
        ("api", "/api/coverage/release", {"staff": "C2", "client": "K3", "tier": "solution"}), api(manages)),
    # The console runs named queries on Neo4j; the embedded store refuses them with a 400 (NotSupported).
    ("/api/query", "POST", ""): (("api", "/api/query", {"name": "coverage_gaps"}),
                                 api(reads_all, lambda neo4j: 200 if neo4j else 400)),
    ("/static/<path:filename>", "GET", ""): (("page", "/static/css/app.css", None), public("200")),
    ("/login", "GET", ""): (("page", "/login", None), public("200")),
    ("/login", "POST", ""): (("login", "/login", None), login_outcome),
    ("/logout", "POST", ""): (("form", "/logout", {}), public("login")),
    ("/", "GET", ""): (("page", "/", None), page(everyone)),
    ("/graph", "GET", ""): (("page", "/graph", None), page(everyone)),
    ("/reports", "GET", ""): (("page", "/reports", None), page(reads_all)),
    ("/portfolio", "GET", ""): (("page", "/portfolio", None), page(reads_all)),
    ("/favicon.ico", "GET", ""): (("page", "/favicon.ico", None), public("200")),
    # The language choice is a cookie, for anyone (the login page has it too): it changes nothing stored.
    ("/language", "POST", ""): (("page-post", "/language", {"language": "zh_CN", "next": "/audit"}), public("302")),
    ("/reports/<name>", "GET", ""): (("page", "/reports/coverage", None), page(reads_all)),
    ("/console", "GET", ""): (("page", "/console", None), page(reads_all)),
    ("/console", "POST", ""): (("page-post", "/console", {"query": "coverage_gaps"}), page(reads_all)),
    ("/clients/<client_id>", "GET", ""): (("page", "/clients/K1", None), page(reads_k1)),
    ("/clients/<client_id>/<action>", "POST", "log"): (
        ("form", "/clients/K1/log", {"kind": "contact", "summary": "visit", "staff": "A1"}), form(records("contact"))),
    ("/clients/<client_id>/<action>", "POST", "need"): (
        ("form", "/clients/K1/need", {"summary": "canteen"}), form(records("need"))),
    ("/clients/<client_id>/<action>", "POST", "assess"): (
        ("form", "/clients/K1/assess", {"grade": "A", "summary": "regraded", "staff": "B1"}), form(records("assessment"))),
    ("/clients/<client_id>/<action>", "POST", "handover"): (
        ("form", "/clients/K2/handover", {"stage": "planning", "summary": "to planning", "staff": "A1"}), form(records("handover"))),   # K2: K1 was handed on above
    ("/clients/<client_id>/<action>", "POST", "assign"): (
        ("form", "/clients/K1/assign", {"staff_id": "A4", "tier": "intel", "role": "backup"}), form(manages)),
    ("/clients/<client_id>/<action>", "POST", "release"): (
        ("form", "/clients/K1/release", {"staff_id": "C2", "tier": "solution"}), form(manages)),
    ("/staff/<staff_id>", "GET", ""): (("page", "/staff/A1", None), page(reads_a1)),
    ("/staff/<staff_id>/leave", "POST", ""): (("form", "/staff/C1/leave", {"on": "2026-12-31"}), form(manages)),
    ("/import", "GET", ""): (("page", "/import", None), page(admin_only)),
    ("/import", "POST", ""): (("page-post", "/import", {"files": (b"id,name,grade\nNEW1,New Client,B\n", "clients.csv")}),
                              page(admin_only)),
    ("/audit", "GET", ""): (("page", "/audit", None), page(everyone)),
}
#: The form actions of /clients/<client_id>/<action>: each must be in the matrix.
FORM_ACTIONS = ("log", "need", "assess", "handover", "assign", "release")
#: Asked last: they change who is logged in or who works here.
LAST = [("/staff/<staff_id>/leave", "POST", ""), ("/logout", "POST", "")]


def _routes(app):
    found = set()
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            subs = FORM_ACTIONS if "<action>" in rule.rule else ("",)
            found |= {(rule.rule, method, sub) for sub in subs}
    return found


@pytest.fixture
def fresh_app(store, tmp_path):
    """A new app on the hand-built organisation, as it was before anyone changed it (one per situation)."""
    made = []

    def make(name: str):
        if store.url.startswith("sqlite"):
            from graphcrm.stores import open_store

            url = f"sqlite:///{tmp_path / (name + '.db')}"
            fresh = open_store(url)
            fresh.write(organisation())
            fresh.close()
        else:
            store.clear()
            store.write(organisation())
            url = store.url
        made.append(create_app({"GRAPHCRM_STORE": url, "GRAPHCRM_AUTH_DB": str(tmp_path / f"{name}-auth.db"),
                                "TESTING": True}))
        return made[-1]

    yield make
    for application in made:
        application.extensions["graphcrm"].close()


def _csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)


def _ask(app, how, role, sit, bearer, session_client):
    kind, url, body = how
    if kind == "api":
        client = app.test_client()
        headers = {"Authorization": f"Bearer {bearer}"}
        response = client.post(url, json=body, headers=headers) if body is not None else client.get(url, headers=headers)
        assert response.is_json, (url, response.status_code)
        return str(response.status_code)
    if kind == "login":
        client = app.test_client()
        response = client.post(url, data={"email": f"{role}-{sit}@x.org", "password": PASSWORD, "csrf_token": _csrf(client)})
        if response.status_code == 200 and "has left" in response.text:
            return "refused"
        return str(response.status_code)
    if kind == "page":
        response = session_client.get(url)
        response.close()                      # a static file is streamed from an open file
        return "login" if response.status_code == 302 and "/login" in response.headers["Location"] else str(response.status_code)
    data = {"csrf_token": _csrf(session_client)}
    files = {}
    for key, value in (body or {}).items():
        if isinstance(value, tuple):
            files[key] = (io.BytesIO(value[0]), value[1])
        else:
            data[key] = value
    response = session_client.post(url, data={**data, **files}, content_type="multipart/form-data" if files else None)
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return "login"
    if kind == "page-post":
        return str(response.status_code)
    if response.status_code >= 400:
        return "refused"                      # a refused client form: the page again, the error beside its field
    with session_client.session_transaction() as saved:
        flashes = saved.pop("_flashes", [])
    categories = {category for category, _ in flashes}
    assert len(categories) == 1, (url, flashes)
    return "ok" if categories == {"ok"} else "refused"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role_and_situation(fresh_app, store, role):
    neo4j = store.url.startswith(("bolt", "neo4j"))
    order = [key for key in sorted(MATRIX) if key not in LAST] + LAST
    wrong, asked = [], 0
    for sit, staff in SITUATIONS.items():
        app = fresh_app(f"{role}-{sit}")
        routes = _routes(app)
        assert routes - set(MATRIX) == set(), f"routes missing from the access matrix: {sorted(routes - set(MATRIX))}"
        assert set(MATRIX) - routes == set(), f"the matrix names routes that do not exist: {sorted(set(MATRIX) - routes)}"
        state = app.extensions["graphcrm"]
        email = f"{role}-{sit}@x.org"
        state.users.add(email, role, staff, PASSWORD)
        bearer = state.users.create_token(email)
        session_client = app.test_client()
        with session_client.session_transaction() as saved:     # a session opened before any departure
            saved["sid"] = state.users.start_session(email)
        for key in order:
            how, expect = MATRIX[key]
            wanted, got = expect(role, sit, neo4j), _ask(app, how, role, sit, bearer, session_client)
            asked += 1
            if wanted != got:
                wrong.append(f"{role}/{sit} {key[1]} {how[1]}: expected {wanted}, got {got}")
    assert wrong == [], "\n".join(wrong)
    assert asked == len(SITUATIONS) * len(MATRIX)

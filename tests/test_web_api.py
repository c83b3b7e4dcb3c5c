"""The web app without a browser: every API endpoint for every role, on both stores; CSRF, headers, throttling."""

import re

import pytest

from graphcrm.webapp import create_app

from handbuilt import organisation

PASSWORD = "correct-horse-battery"
USERS = {"admin": ("admin@x.org", None), "manager": ("boss@x.org", None), "analyst": ("ana@x.org", None),
         "staff": ("a1@x.org", "A1")}


@pytest.fixture
def app(store, tmp_path):
    store.write(organisation())
    url = store.url
    application = create_app({"GRAPHCRM_STORE": url, "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    state = application.extensions["graphcrm"]
    for role, (email, staff) in USERS.items():
        state.users.add(email, role, staff, PASSWORD)
    yield application
    state.close()


def login(client, role):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"email": USERS[role][0], "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    # Logging in starts a new session (no fixation), so the form token is a new one.
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/audit").text).group(1)


def token_client(app, role):
    client = app.test_client()
    bearer = app.extensions["graphcrm"].users.create_token(USERS[role][0])
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {bearer}"
    return client


READS = ["/api/me", "/api/tiers", "/api/reports", "/api/reports/coverage_gaps?as_of=2026-03-01",
         "/api/reports/departure_impact?as_of=2026-03-01&staff=A1", "/api/graph/search?q=K",
         "/api/graph/neighbourhood?label=Client&key=K1&as_of=2026-03-01", "/api/clients/K1?as_of=2026-03-01",
         "/api/clients/K3?as_of=2026-03-01", "/api/staff/A1?as_of=2026-03-01", "/api/staff/B1?as_of=2026-03-01", "/api/audit"]
# What a staff member (A1: intel coverer of K1 and K2) may read: their clients, their own page, their audit entries.
STAFF_MAY = {"/api/me", "/api/tiers", "/api/clients/K1?as_of=2026-03-01", "/api/staff/A1?as_of=2026-03-01", "/api/audit"}


@pytest.mark.parametrize("role", sorted(USERS))
def test_every_read_endpoint_for_every_role(app, role):
    client = token_client(app, role)
    for url in READS:
        response = client.get(url)
        allowed = role != "staff" or url in STAFF_MAY
        assert response.status_code == (200 if allowed else 403), (role, url, response.status_code, response.get_data(as_text=True)[:200])
        assert response.is_json


def test_reads_need_a_login(app):
    client = app.test_client()
    for url in READS:
        assert client.get(url).status_code == 401, url
    assert app.test_client().get("/api/openapi.json").status_code == 200


def test_report_api_matches_the_report(app):
    doc = token_client(app, "analyst").get("/api/reports/departure_impact?as_of=2026-03-01&staff=A1").get_json()
    assert doc["summary"]["clients_orphaned"] == 2 and doc["rows"][0]["successors"] == {"intel": ["A4", "A5"]}
    bad = token_client(app, "analyst").get("/api/reports/coverage?colour=red")
    assert bad.status_code == 400 and "unknown parameter" in bad.get_json()["error"]
    assert token_client(app, "analyst").get("/api/reports/nope").status_code == 404


WRITES = [
    ("/api/clients/K1/interactions", {"kind": "contact", "at": "2026-02-28T09:00:00Z", "summary": "call", "id": "api-1"}, {"admin", "manager", "staff"}),
    ("/api/clients/K1/needs", {"summary": "gift boxes", "detected": "2026-02-28"}, {"admin", "manager", "staff"}),
    ("/api/clients/K1/assessments", {"grade": "B", "at": "2026-02-28T09:00:00Z"}, {"admin", "manager"}),
    ("/api/clients/K4/handovers", {"stage": "solution", "at": "2026-02-28T09:00:00Z"}, {"admin", "manager"}),
    ("/api/coverage", {"staff": "A4", "client": "K3", "tier": "intel", "since": "2026-03-01"}, {"admin", "manager"}),
    ("/api/coverage/release", {"staff": "C2", "client": "K3", "tier": "solution", "until": "2026-03-01"}, {"admin", "manager"}),
]


@pytest.mark.parametrize("role", sorted(USERS))
def test_every_write_endpoint_for_every_role(app, role):
    client = token_client(app, role)
    for url, body, allowed in WRITES:
        response = client.post(url, json=body)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, url, response.get_json())
        if expected == 200:
            assert response.get_json()["audit"]


def test_idor_staff_cannot_write_to_a_client_they_do_not_cover(app):
    client = token_client(app, "staff")
    for client_id in ("K3", "K4"):
        response = client.post(f"/api/clients/{client_id}/interactions", json={"kind": "contact", "at": "2026-02-28T09:00:00Z"})
        assert response.status_code == 403 and "split authority" in response.get_json()["error"]


def test_bad_input_is_a_400_with_a_reason(app):
    client = token_client(app, "manager")
    cases = [
        ("/api/clients/K1/interactions", {"kind": "lunch"}, "body.kind: Input should be 'contact'"),
        ("/api/clients/K1/interactions", {"kind": "contact", "at": "yesterday"}, "body.at: expected an ISO 8601"),
        ("/api/clients/K9/interactions", {"kind": "contact"}, "unknown client"),
        ("/api/clients/K1/assessments", {"grade": "Z"}, "body.grade: Input should be 'A', 'B' or 'C'"),
        ("/api/coverage", {"staff": "A4", "client": "K3", "tier": "intel", "since": "01/03/2026"}, "body.since: expected YYYY-MM-DD"),
    ]
    for url, body, message in cases:
        response = client.post(url, json=body)
        assert response.status_code == 400 and message in response.get_json()["error"], (url, response.get_json())
    assert client.post("/api/clients/K1/needs", data="not json", content_type="application/json").status_code == 400


def test_session_writes_need_the_csrf_token(app):
    client = app.test_client()
    token = login(client, "manager")
    body = {"kind": "contact", "at": "2026-02-28T09:00:00Z"}
    assert client.post("/api/clients/K1/interactions", json=body).status_code == 400
    ok = client.post("/api/clients/K1/interactions", json=body, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_every_state_changing_route_rejects_a_missing_csrf_token(app):
    client = app.test_client()
    login(client, "admin")
    routes = [r for r in app.url_map.iter_rules() if r.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert len(routes) >= 10
    for rule in routes:
        url = rule.rule.replace("<client_id>", "K1").replace("<action>", "log").replace("<staff_id>", "A1")
        response = client.post(url, data={"kind": "contact"})
        assert response.status_code == 400, (url, response.status_code)


def test_security_headers_on_every_page(app):
    client = app.test_client()
    login(client, "manager")
    for url in ("/", "/graph", "/clients/K1", "/staff/A1", "/reports", "/reports/coverage", "/console", "/audit", "/login"):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff" and "Cookie" in response.headers["Vary"]
        assert "<script>" not in response.text and " on" + "click=" not in response.text
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_login_is_throttled_after_ten_failures(app):
    client = app.test_client()
    for _ in range(10):
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        assert client.post("/login", data={"email": "boss@x.org", "password": "wrong", "csrf_token": token}).status_code == 200
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={"email": "boss@x.org", "password": PASSWORD, "csrf_token": token}).status_code == 429


def test_passwords_are_hashed_with_a_standard_scheme(app):
    rows = app.extensions["graphcrm"].users._db.execute("SELECT password FROM app_user").fetchall()
    assert rows and all(r[0].startswith(("scrypt:", "pbkdf2:")) for r in rows)


def test_the_app_refuses_the_debugger(store, tmp_path):
    from graphcrm.errors import ConfigError

    with pytest.raises(ConfigError, match="debugger"):
        create_app({"GRAPHCRM_STORE": store.url, "GRAPHCRM_AUTH_DB": str(tmp_path / "a.db"), "DEBUG": True})


def test_openapi_describes_every_api_route(app):
    doc = app.test_client().get("/api/openapi.json").get_json()
    described = {path.replace("{", "<").replace("}", ">") for path in doc["paths"]}
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert routes <= described, routes - described


def test_every_api_route_declares_its_contract_and_publishes_its_models(app):
    """One schema per endpoint: the view's validation models are the ones in /api/openapi.json."""
    from graphcrm.webapp.openapi import contract_of

    doc = app.test_client().get("/api/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        contract = contract_of(app, rule.endpoint)
        assert contract is not None, f"{rule.rule}: declare it with @endpoint(...) (graphcrm.webapp.schemas)"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = doc["paths"][rule.rule.replace("<", "{").replace(">", "}")][method.lower()]
            if contract.body is not None:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                published = doc["components"]["schemas"][ref]
                assert published == contract.body.model_json_schema(ref_template="#/components/schemas/{model}"), rule.rule
            if contract.query is not None:
                assert {p["name"] for p in op["parameters"] if p["in"] == "query"} == {field.alias or name for name, field in contract.query.model_fields.items()}


# Finding 2 of issue 9: each of these was stored or gave a 500; each must be a 400 naming the field, nothing stored.
TYPE_CONFUSION = [
    ("/api/clients/K1/interactions", b'{"kind": "transaction", "amount": NaN}', "body.amount"),
    ("/api/clients/K1/interactions", b'{"kind": "transaction", "amount": Infinity}', "body.amount"),
    ("/api/clients/K1/interactions", b'{"kind": "transaction", "amount": "abc"}', "body.amount"),
    ("/api/clients/K1/interactions", rb'{"kind": "contact", "summary": "a\u0000b"}', "body.summary"),
    ("/api/clients/K1/interactions", rb'{"kind": "contact", "summary": "\ud800"}', "body.summary"),
    ("/api/clients/K1/interactions", b'{"kind": "contact", "summary": ["x"]}', "body.summary"),
    ("/api/clients/K1/interactions", b'{"kind": {"a": 1}}', "body.kind"),
    ("/api/clients/K1/interactions", b'{"kind": "contact", "staff": "A1"}', "body.staff"),
    ("/api/clients/K1/interactions", b'{"kind": "contact", "at": "0001-01-01T00:00:00+05:00"}', "body.at"),
    ("/api/clients/K1/assessments", b'{"grade": "A", "score": true}', "body.score"),
    ("/api/clients/K1/assessments", b'{"grade": "A", "score": "50"}', "body.score"),
    ("/api/clients/K1/needs", b'{"summary": "x", "detected": "0001-01-01"}', "body.detected"),
    ("/api/clients/K1/needs", b'{"summary": {"a": 1}}', "body.summary"),
    ("/api/coverage", b'{"staff": ["A4"], "client": "K3", "tier": "intel"}', "body.staff"),
    ("/api/query", b'{"name": "coverage_gaps", "params": ["as_of"]}', "body.params"),
    ("/api/query", b'{"name": "/etc/passwd"}', "body.name"),
    ("/api/query", b'{"name": "cypher/reports/coverage.cypher"}', "body.name"),
]


@pytest.mark.parametrize("url, raw, field", TYPE_CONFUSION)
def test_type_confusion_is_a_400_naming_the_field_and_nothing_is_stored(app, url, raw, field):
    state = app.extensions["graphcrm"]
    before = state.store.counts(), state.store.list_audit(limit=1000)
    response = token_client(app, "admin").post(url, data=raw, content_type="application/json")
    assert response.status_code == 400 and field in response.get_json()["error"], response.get_json()
    assert (state.store.counts(), state.store.list_audit(limit=1000)) == before


@pytest.mark.parametrize("url, field", [("/api/audit?limit=abc", "query.limit"), ("/api/audit?limit=0", "query.limit"),
                                        ("/api/clients/K1?as_of=0001-01-01", "query.as_of"),
                                        ("/api/graph/neighbourhood?label=Client&key=K1&limit=9999", "query.limit"),
                                        ("/api/graph/neighbourhood?label=Robot&key=K1", "query.label"),
                                        ("/api/graph/search?q=%00", "query.q"), ("/api/tiers?x=1", "query.x"),
                                        ("/api/clients/K1?as_of=2026-01-01&as_of=2026-02-01", "query.as_of")])
def test_query_strings_are_validated_too(app, url, field):
    response = token_client(app, "admin").get(url)
    assert response.status_code == 400 and field in response.get_json()["error"], response.get_json()


def test_json_output_never_carries_nan(app):
    from flask import jsonify

    with app.app_context():
        with pytest.raises(ValueError):
            jsonify(amount=float("nan"))


def test_a_named_query_is_never_a_server_path(app, tmp_path):
    """On any store, a name that is a path is refused before anything is read (allow_files=False)."""
    (tmp_path / "q.cypher").write_text("// name: q\n// kind: read\nMATCH (n) RETURN n\n", encoding="utf-8")
    client = token_client(app, "analyst")
    for name in (str(tmp_path / "q.cypher"), "q.cypher", "../cypher/reports/coverage.cypher"):
        response = client.post("/api/query", json={"name": name})
        assert response.status_code == 400 and "body.name" in response.get_json()["error"], name
    unknown = client.post("/api/query", json={"name": "no_such_query"})
    assert unknown.status_code in (400, 403, 404) and str(tmp_path) not in unknown.get_json()["error"]


@pytest.mark.parametrize("target, expected", [("/clients/K1", "/clients/K1"), ("//evil.example/x", "/"),
                                              ("/\\evil.example", "/"), ("https://evil.example", "/")])
def test_login_redirects_only_within_the_site(app, target, expected):
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login?next=" + target, data={"email": "boss@x.org", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == expected


def test_a_zip_bomb_is_refused(app, tmp_path):
    import io
    import zipfile

    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"email": "admin@x.org", "password": PASSWORD, "csrf_token": token})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/import").text).group(1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:     # bzip2: 600 MB of zeros in a few KB
        archive.writestr("clients.csv", b"0" * (600 * 2**20))
    response = client.post("/import", data={"csrf_token": token, "files": (io.BytesIO(buffer.getvalue()), "bomb.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 413


def test_the_client_page_flags_are_the_key_person_risk_report(app):
    """One home for the rules: the client page shows exactly what key_person_risk computes."""
    from graphcrm import readmodel
    from graphcrm.reports import run_report
    from handbuilt import AS_OF

    state = app.extensions["graphcrm"]
    report = {r["client"]: r for r in run_report(state.store, "key_person_risk", AS_OF, {}, state.settings.policy).rows}
    admin = state.users.get("admin@x.org")
    for client in ("K1", "K2", "K3", "K4"):
        risk = readmodel.client_page(state.store, state.settings, admin, client, AS_OF)["risk"]
        expected = {k: v for k, v in report[client].items() if k not in ("client", "grade", "risk")}
        assert {k: v for k, v in risk.items() if k != "flags"} == expected, client


def test_a_time_without_offset_is_the_organisations_local_time(embedded_store, tmp_path):
    """The API's and the forms' moments are read in the organisation's zone (DESIGN 13), through the same schema."""
    from datetime import datetime, timezone

    embedded_store.write(organisation())
    config = tmp_path / "org.toml"
    config.write_text('[organisation]\ntimezone = "Asia/Shanghai"\n', encoding="utf-8")
    application = create_app({"GRAPHCRM_STORE": embedded_store.url, "GRAPHCRM_CONFIG": str(config),
                              "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    try:
        state = application.extensions["graphcrm"]
        state.users.add("boss@x.org", "manager", None, PASSWORD)
        client = application.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + state.users.create_token("boss@x.org")
        response = client.post("/api/clients/K1/interactions", json={"kind": "contact", "at": "2026-02-28T07:00:00", "id": "sh-1"})
        assert response.status_code == 200, response.get_json()
        stored = next(i for i in state.store.client_timeline("K1", 1000)[0] if i.id == "sh-1")
        assert stored.at == datetime(2026, 2, 27, 23, 0, tzinfo=timezone.utc)
    finally:
        application.extensions["graphcrm"].close()

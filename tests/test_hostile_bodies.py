"""Hostile request bodies, query strings and forms against every endpoint, on both stores: never a 500, nothing stored.

The endpoints come from app.url_map (a new route is fuzzed without being listed here); a body is
either a valid one with one field made hostile or a free mix of hostile fields. A write that
succeeds must have been valid under the endpoint's published model, and at the end every stored
text is clean and every stored number finite. The count of requests tried goes to
test-artifacts/hostile-bodies-<store>.txt.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from graphcrm.webapp import create_app
from graphcrm.webapp.openapi import contract_of
from graphcrm.webapp.schemas import FORM_BODIES

from handbuilt import organisation

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "correct-horse-battery"

NASTY_TEXT = ["", " ", "abc", "50", "NaN", "Infinity", "-1", "true", "null", "\x00", "a\x00b", "\ud800", "x\udfffy",
              "\x1b[31m", "\u2028", "\ufeff", "<script>alert(1)</script>", "' WITH true AS x MATCH (n) DETACH DELETE n //",
              "0001-01-01", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2026-02-30", "2026-13-01",
              "1900-01-01T00:00:00+14:00", "../../etc/passwd", "/etc/passwd", "cypher/reports/coverage.cypher",
              "x" * 5000, "contact", "A", "K1", "A1", "intel", "solution", "coverage_gaps"]
SCALARS = st.one_of(
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -0.0, 10**30, -(10**19), True, False, None, 0, 101]),
    st.sampled_from(NASTY_TEXT), st.text(max_size=20), st.floats(), st.integers(),
)
HOSTILE = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                       max_leaves=6)
VALID = {
    "/api/clients/<client_id>/interactions": {"kind": "contact", "summary": "call", "at": "2026-02-28T09:00:00Z"},
    "/api/clients/<client_id>/assessments": {"grade": "B", "at": "2026-02-28T09:00:00Z"},
    "/api/clients/<client_id>/handovers": {"stage": "planning", "at": "2026-02-28T09:00:00Z"},
    "/api/clients/<client_id>/needs": {"summary": "gift boxes", "detected": "2026-02-20"},
    "/api/coverage": {"staff": "A4", "client": "K3", "tier": "intel"},
    "/api/coverage/release": {"staff": "C2", "client": "K3", "tier": "solution"},
    "/api/query": {"name": "coverage_gaps", "params": {"as_of": "2026-03-01"}},
    "/api/plans/apply": {"fingerprint": "0" * 24, "as_of": "2026-03-01", "leaving": ["C1"]},
}
RAW = [b"", b"{", b'{"kind": "contact"', b"[]", b'"text"', b"42", b"null", b'{"kind": NaN}', b'{"amount": Infinity}',
       b"\xff\xfe{}", b'{"summary": "\xed\xa0\x80"}', b"[" * 100_000 + b"]" * 100_000, b'{"score": ' + b"9" * 5000 + b"}",
       b'{"a": 1, "a": 2}', b'{"kind": "contact"} trailing']
counted: dict[str, int] = {}


@pytest.fixture
def app(store, tmp_path):
    store.write(organisation())
    application = create_app({"GRAPHCRM_STORE": store.url, "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    users = application.extensions["graphcrm"].users
    users.add("boss@x.org", "admin", None, PASSWORD)
    application.config["token"] = users.create_token("boss@x.org")
    yield application
    _nothing_hostile_stored(application)
    application.extensions["graphcrm"].close()


def _count(app, n=1):
    kind = "neo4j" if app.extensions["graphcrm"].store.url.startswith(("bolt", "neo4j")) else "embedded"
    counted[kind] = counted.get(kind, 0) + n
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"hostile-bodies-{kind}.txt").write_text(f"{counted[kind]} hostile requests, 0 server errors, "
                                                          "nothing hostile stored\n", encoding="utf-8")


def _clean(value, where):
    if isinstance(value, str):
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", value), (where, value[:80])
    elif isinstance(value, float):
        assert math.isfinite(value), where
    elif isinstance(value, (list, tuple)):
        for v in value:
            _clean(v, where)


def _nothing_hostile_stored(app):
    store = app.extensions["graphcrm"].store
    records = store.read_all()
    for kind, items in records.kinds():
        for item in items:
            for f in fields(item):
                _clean(getattr(item, f.name), f"{kind}.{f.name}")
    for entry in store.list_audit(limit=100_000):
        for text in (entry.before, entry.after):
            if text is not None:
                json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the audit trail"))


def _send(client, app, method, url, raw: bytes | None = None, content_type="application/json"):
    response = client.open(url, method=method, data=raw, content_type=content_type,
                           headers={"Authorization": f"Bearer {app.config['token']}"})
    assert response.status_code < 500, (method, url, raw[:200] if raw else None, response.get_data(as_text=True)[:300])
    if url.startswith("/api/"):
        assert response.is_json, url
        json.loads(response.get_data(as_text=True), parse_constant=lambda c: pytest.fail(f"{c} in a response"))
    _count(app)
    return response


def _write_routes(app):
    return sorted((r.rule, contract_of(app, r.endpoint).body) for r in app.url_map.iter_rules()
                  if r.rule.startswith("/api/") and "POST" in r.methods)


def _url(rule: str) -> str:
    return rule.replace("<client_id>", "K1").replace("<staff_id>", "A1").replace("<name>", "coverage")


@st.composite
def hostile_body(draw, model, valid):
    names = list(model.model_fields) + ["extra", "__proto__"]
    if draw(st.booleans()):
        return {**valid, draw(st.sampled_from(names)): draw(HOSTILE)}       # one bad field among good ones
    return draw(st.dictionaries(st.sampled_from(names) | st.text(max_size=8), HOSTILE, max_size=6))


_SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                               HealthCheck.too_slow])


def test_every_write_endpoint_is_fuzzed(app):
    assert {rule for rule, _ in _write_routes(app)} == set(VALID), "give each new write endpoint a valid body in VALID"


@_SETTINGS
@given(data=st.data())
def test_hostile_json_bodies_never_crash_and_are_never_stored(app, data):
    client = app.test_client()
    for rule, model in _write_routes(app):
        body = data.draw(hostile_body(model, VALID[rule]), label=rule)
        raw = json.dumps(body, allow_nan=True).encode()
        response = _send(client, app, "POST", _url(rule), raw)
        if response.status_code == 200:
            model.model_validate(json.loads(raw), strict=True)      # it was valid under the published schema


def test_malformed_bodies_are_a_400(app):
    client = app.test_client()
    for rule, _ in _write_routes(app):
        for raw in RAW:
            response = _send(client, app, "POST", _url(rule), raw)
            assert response.status_code == 400, (rule, raw[:40], response.get_json())
        response = _send(client, app, "POST", _url(rule), b"kind=contact", content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400


@_SETTINGS
@given(data=st.data())
def test_hostile_query_strings_never_crash(app, data):
    client = app.test_client()
    for rule, contract in sorted((r.rule, contract_of(app, r.endpoint)) for r in app.url_map.iter_rules()
                                 if r.rule.startswith("/api/") and "GET" in r.methods):
        names = list(contract.query.model_fields) if contract.query else []
        params = data.draw(st.dictionaries(st.sampled_from(names + ["as_of", "limit", "zzz"]),
                                           st.sampled_from(NASTY_TEXT) | st.text(max_size=12), max_size=4), label=rule)
        query = "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}" for k, v in params.items())
        _send(client, app, "GET", _url(rule) + ("?" + query if query else ""))


@_SETTINGS
@given(data=st.data())
def test_hostile_page_forms_never_crash_and_are_never_stored(app, data):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "boss@x.org", "password": PASSWORD, "csrf_token": token})
    form_text = st.sampled_from([t for t in NASTY_TEXT if "\ud800" not in t and "\udfff" not in t]) | st.text(
        st.characters(blacklist_categories=("Cs",)), max_size=12)
    for action, (model, renames) in FORM_BODIES.items():
        names = [k for k in model.model_fields if k != "client"] + list(renames) + ["on", "zzz"]
        form = data.draw(st.dictionaries(st.sampled_from(names), form_text, max_size=5), label=action)
        response = client.post(f"/clients/K1/{action}", data={**form, "csrf_token": token})
        assert response.status_code in (302, 400), (action, form, response.status_code)
        _count(app)
    for path in ("/?as_of=", "/clients/K1?as_of=", "/reports/coverage?as_of=", "/staff/A1?as_of="):
        value = data.draw(form_text, label=path)
        response = client.get(path + quote(value, safe=""))
        assert response.status_code < 500, (path, value)
        _count(app)

"""The JSON API under /api/: the same reads and writes as the pages, the same permissions (session or bearer token)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timezone

from flask import Blueprint, abort, current_app, jsonify, request

from graphcrm import readmodel
from graphcrm.errors import GraphCRMError, ParameterError, QueryRefused, UnknownReport
from graphcrm.render import to_json_value
from graphcrm.service import ChangeRefused, PermissionDenied, Service
from graphcrm.webapp.security import current_user, login_required

bp = Blueprint("api", __name__)
_NODE_LABELS = ("Client", "Staff", "Team", "Tier")


def _state():
    return current_app.extensions["graphcrm"]


@bp.errorhandler(GraphCRMError)
def graphcrm_error(exc):
    status = 403 if isinstance(exc, (PermissionDenied, QueryRefused)) else 404 if isinstance(exc, UnknownReport) else 400
    return jsonify(error=str(exc), kind=type(exc).__name__), status


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        raise ParameterError(f"as_of: expected YYYY-MM-DD, got {value!r}") from None


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ChangeRefused("expected a JSON object body")
    return body


def _moment(value):
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ChangeRefused(f"at: expected an ISO 8601 date-time, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _date(value, name):
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ChangeRefused(f"{name}: expected YYYY-MM-DD, got {value!r}") from None


def _changed(change):
    _state().changed()
    return jsonify(message=change.message, audit=change.audit.id if change.audit else None,
                   records=to_json_value({k: [asdict(r) for r in v] for k, v in change.records.kinds() if v})), 200


@bp.get("/openapi.json")
def openapi():
    from graphcrm.webapp.openapi import document

    return jsonify(document())


@bp.get("/me")
@login_required
def me():
    user = current_user()
    return jsonify(email=user.email, role=user.role, staff=user.staff)


@bp.get("/reports")
@login_required
def reports():
    readmodel.require_everything(current_user(), "Reports")
    from graphcrm.reports import catalogue

    return jsonify([{"name": s.name, "doc": s.doc, "columns": [c for c, _ in s.columns],
                     "params": [{"name": p.name, "type": p.type, "required": p.required, "doc": p.doc} for p in s.params]}
                    for s in catalogue().values()])


@bp.get("/reports/<name>")
@login_required
def report(name):
    readmodel.require_everything(current_user(), "Reports")
    day = _day(request.args.get("as_of"))
    params = {k: v for k, v in request.args.items() if k != "as_of"}
    result = _state().report(name, day, params)
    document = {"report": result.report, "as_of": day.isoformat(), "params": to_json_value(result.params),
                "policy": result.policy, "rows": to_json_value(result.rows)}
    if result.summary is not None:
        document["summary"] = to_json_value(result.summary)
    return jsonify(document)


@bp.get("/tiers")
@login_required
def tiers():
    return jsonify([{"key": t.key, "level": t.level, "name": t.name} for t in _state().store.tiers()])


@bp.get("/graph/search")
@login_required
def search():
    readmodel.require_everything(current_user(), "The graph explorer")
    text = (request.args.get("q") or "").strip()
    if not text:
        return jsonify([])
    return jsonify(_state().store.search(text[:100], 20))


@bp.get("/graph/neighbourhood")
@login_required
def neighbourhood():
    readmodel.require_everything(current_user(), "The graph explorer")
    label, key = request.args.get("label", ""), request.args.get("key", "")
    if label not in _NODE_LABELS or not key:
        raise ParameterError(f"label must be one of {', '.join(_NODE_LABELS)} and key is required")
    try:
        limit = min(max(int(request.args.get("limit", 60)), 1), 500)
    except ValueError:
        raise ParameterError("limit: expected a whole number") from None
    found = _state().store.neighbourhood(label, key, _day(request.args.get("as_of")), limit)
    if found is None:
        abort(404, f"no {label} {key}")
    return jsonify(to_json_value(found))


@bp.get("/clients/<client_id>")
@login_required
def client(client_id):
    page = readmodel.client_page(_state().store, _state().settings, current_user(), client_id, _day(request.args.get("as_of")))
    if page is None:
        abort(404, f"no client {client_id}")
    page = dict(page)
    page["client"] = asdict(page["client"])
    page["tiers"] = [asdict(t) for t in page["tiers"]]
    page["interactions"] = [asdict(i) for i in page["interactions"]]
    page["needs"] = [asdict(n) for n in page["needs"]]
    return jsonify(to_json_value(page))


@bp.get("/staff/<staff_id>")
@login_required
def staff(staff_id):
    page = readmodel.staff_page(_state().store, _state().settings, current_user(), staff_id, _day(request.args.get("as_of")))
    if page is None:
        abort(404, f"no staff member {staff_id}")
    impact = page.pop("impact")
    page = {**page, "staff": asdict(page["staff"]), "coverage": [asdict(c) for c in page["coverage"]],
            "history": [asdict(c) for c in page["history"]],
            "impact": {"rows": impact.rows, "summary": impact.summary} if impact else None}
    return jsonify(to_json_value(page))


@bp.post("/clients/<client_id>/interactions")
@login_required
def log_interaction(client_id):
    b = _body()
    return _changed(Service(_state().store, _state().settings).log_interaction(
        current_user(), client_id, str(b.get("kind", "")), _moment(b.get("at")), b.get("staff") or [], b.get("summary"),
        b.get("amount"), b.get("id")))


@bp.post("/clients/<client_id>/assessments")
@login_required
def assess(client_id):
    b = _body()
    return _changed(Service(_state().store, _state().settings).assess(
        current_user(), client_id, str(b.get("grade", "")), _moment(b.get("at")), b.get("score"), b.get("summary"), id=b.get("id")))


@bp.post("/clients/<client_id>/handovers")
@login_required
def handover(client_id):
    b = _body()
    return _changed(Service(_state().store, _state().settings).handover(
        current_user(), client_id, str(b.get("stage", "")), _moment(b.get("at")), b.get("summary"), id=b.get("id")))


@bp.post("/clients/<client_id>/needs")
@login_required
def need(client_id):
    b = _body()
    return _changed(Service(_state().store, _state().settings).record_need(
        current_user(), client_id, str(b.get("summary", "")), _date(b.get("detected"), "detected"), b.get("source"),
        b.get("staff"), b.get("id")))


@bp.post("/coverage")
@login_required
def assign():
    b = _body()
    return _changed(Service(_state().store, _state().settings).assign(
        current_user(), str(b.get("staff", "")), str(b.get("client", "")), str(b.get("tier", "")), str(b.get("role", "lead")),
        _date(b.get("since"), "since")))


@bp.post("/coverage/release")
@login_required
def release():
    b = _body()
    return _changed(Service(_state().store, _state().settings).release(
        current_user(), str(b.get("staff", "")), str(b.get("client", "")), str(b.get("tier", "")), _date(b.get("until"), "until")))


@bp.post("/query")
@login_required
def query():
    readmodel.require_everything(current_user(), "The Cypher console")
    from graphcrm.analyst import prepare_analyst_query

    b = _body()
    answer = prepare_analyst_query(_state().store, b.get("name"), b.get("cypher") if not b.get("name") else None,
                                   {k: str(v) for k, v in (b.get("params") or {}).items()}, _state().settings.policy)
    return jsonify(columns=answer.columns, rows=to_json_value(answer.rows), truncated=answer.truncated)


@bp.get("/audit")
@login_required
def audit():
    entries = Service(_state().store, _state().settings).audit(
        current_user(), request.args.get("actor"), request.args.get("action"), request.args.get("target"), None,
        min(int(request.args.get("limit", 100)), 1000))
    return jsonify(to_json_value([asdict(e) for e in entries]))

"""The JSON API under /api/: the same reads and writes as the pages, the same permissions (session or bearer token)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from flask import Blueprint, current_app, jsonify, request

from graphcrm import readmodel
from graphcrm.errors import ChangeRefused, ParameterError
from graphcrm.permissions import require
from graphcrm.render import analyst_output, audit_output, report_output, to_json_value
from graphcrm.times import parse_day, parse_moment
from graphcrm.webapp.security import current_user, login_required

bp = Blueprint("api", __name__)
_NODE_LABELS = ("Client", "Staff", "Team", "Tier")


def _state():
    return current_app.extensions["graphcrm"]


def _as_of() -> date:
    return parse_day(request.args.get("as_of"), "as_of") or date.today()


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        return min(max(int(raw), low), high)
    except ValueError:
        raise ParameterError(f"{name}: expected a whole number, got {raw!r}") from None


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ChangeRefused("expected a JSON object body")
    return body


def _changed(change):
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
    require(current_user(), "read_all", "Reports")
    from graphcrm.reports import catalogue

    return jsonify([{"name": r.name, "doc": r.doc, "columns": r.column_names,
                     "params": [{"name": p.name, "type": p.type, "required": p.required, "doc": p.doc} for p in r.user_params]}
                    for r in catalogue().values()])


@bp.get("/reports/<name>")
@login_required
def report(name):
    require(current_user(), "read_all", "Reports")
    params = {k: v for k, v in request.args.items() if k != "as_of"}
    return jsonify(report_output(_state().report(name, _as_of(), params)).document)


@bp.get("/tiers")
@login_required
def tiers():
    return jsonify([{"key": t.key, "level": t.level, "name": t.name} for t in _state().store.tiers()])


@bp.get("/graph/search")
@login_required
def search():
    require(current_user(), "read_all", "The graph explorer")
    text = (request.args.get("q") or "").strip()
    if not text:
        return jsonify([])
    return jsonify(_state().store.search(text[:100], 20))


@bp.get("/graph/neighbourhood")
@login_required
def neighbourhood():
    require(current_user(), "read_all", "The graph explorer")
    label, key = request.args.get("label", ""), request.args.get("key", "")
    if label not in _NODE_LABELS or not key:
        raise ParameterError(f"label must be one of {', '.join(_NODE_LABELS)} and key is required")
    found = _state().store.neighbourhood(label, key, _as_of(), _int_arg("limit", 60, 1, 500))
    if found is None:
        from graphcrm.errors import NotFound

        raise NotFound(f"no {label} {key}")
    return jsonify(to_json_value(found))


@bp.get("/clients/<client_id>")
@login_required
def client(client_id):
    page = dict(readmodel.client_page(_state().store, _state().settings, current_user(), client_id, _as_of()))
    page["client"] = asdict(page["client"])
    page["tiers"] = [asdict(t) for t in page["tiers"]]
    page["interactions"] = [asdict(i) for i in page["interactions"]]
    page["needs"] = [asdict(n) for n in page["needs"]]
    return jsonify(to_json_value(page))


@bp.get("/staff/<staff_id>")
@login_required
def staff(staff_id):
    page = readmodel.staff_page(_state().store, _state().settings, current_user(), staff_id, _as_of())
    impact = page.pop("impact")
    repair = page.pop("repair")
    page = {**page, "staff": asdict(page["staff"]), "coverage": [asdict(c) for c in page["coverage"]],
            "history": [asdict(c) for c in page["history"]],
            "impact": {"rows": impact.rows, "summary": impact.summary} if impact else None,
            "repair": {"rows": repair.rows, "summary": repair.summary} if repair else None}
    return jsonify(to_json_value(page))


@bp.post("/clients/<client_id>/interactions")
@login_required
def log_interaction(client_id):
    b = _body()
    return _changed(_state().service.log_interaction(
        current_user(), client_id, str(b.get("kind", "")), parse_moment(b.get("at"), "at"), b.get("staff") or [],
        b.get("summary"), b.get("amount"), b.get("id")))


@bp.post("/clients/<client_id>/assessments")
@login_required
def assess(client_id):
    b = _body()
    return _changed(_state().service.assess(
        current_user(), client_id, str(b.get("grade", "")), parse_moment(b.get("at"), "at"), b.get("score"), b.get("summary"),
        id=b.get("id")))


@bp.post("/clients/<client_id>/handovers")
@login_required
def handover(client_id):
    b = _body()
    return _changed(_state().service.handover(
        current_user(), client_id, str(b.get("stage", "")), parse_moment(b.get("at"), "at"), b.get("summary"), id=b.get("id")))


@bp.post("/clients/<client_id>/needs")
@login_required
def need(client_id):
    b = _body()
    return _changed(_state().service.record_need(
        current_user(), client_id, str(b.get("summary", "")), parse_day(b.get("detected"), "detected"), b.get("source"),
        b.get("staff"), b.get("id")))


@bp.post("/coverage")
@login_required
def assign():
    b = _body()
    return _changed(_state().service.assign(
        current_user(), str(b.get("staff", "")), str(b.get("client", "")), str(b.get("tier", "")), str(b.get("role", "lead")),
        parse_day(b.get("since"), "since")))


@bp.post("/coverage/release")
@login_required
def release():
    b = _body()
    return _changed(_state().service.release(
        current_user(), str(b.get("staff", "")), str(b.get("client", "")), str(b.get("tier", "")),
        parse_day(b.get("until"), "until")))


@bp.get("/trend")
@login_required
def trend():
    require(current_user(), "read_all", "Trends")
    from graphcrm.reports.trends import run_trend

    start, end = parse_day(request.args.get("from"), "from"), parse_day(request.args.get("to"), "to")
    if start is None or end is None:
        raise ParameterError("from and to are required (YYYY-MM-DD)")
    result = run_trend(_state().store, start, end, request.args.get("every", "month"), _state().settings.policy)
    return jsonify(to_json_value(result.document()))


@bp.post("/plans/apply")
@login_required
def apply_plan():
    """Apply the coverage plan of a day (and leavers) exactly as reviewed: its fingerprint must still match."""
    user = current_user()
    require(user, "manage", "apply a coverage plan")      # before working out a plan for someone who may not
    from graphcrm.reports import run_report

    b = _body()
    if not isinstance(b.get("fingerprint"), str) or not b["fingerprint"]:
        raise ParameterError("fingerprint: the summary.fingerprint of the plan you reviewed is required")
    leaving = b.get("leaving") or []
    plan = run_report(_state().store, "coverage_plan", parse_day(b.get("as_of"), "as_of") or date.today(),
                      {"leaving": leaving}, _state().settings.policy)
    return _changed(_state().service.apply_plan(user, plan, b["fingerprint"]))


@bp.post("/query")
@login_required
def query():
    require(current_user(), "console", "The Cypher console")
    from graphcrm.analyst import run_analyst_query

    b = _body()
    answer = run_analyst_query(_state().store, b.get("name"), b.get("cypher") if not b.get("name") else None,
                               {k: str(v) for k, v in (b.get("params") or {}).items()}, _state().settings.policy)
    return jsonify(analyst_output(answer).document)


@bp.get("/audit")
@login_required
def audit():
    entries = _state().service.audit(current_user(), request.args.get("actor"), request.args.get("action"),
                                     request.args.get("target"), None, _int_arg("limit", 100, 1, 1000))
    return jsonify(audit_output(entries).document)

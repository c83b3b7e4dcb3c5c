"""The JSON API under /api/: the same reads and writes as the pages, the same permissions (session or bearer token).

Every view declares its contract with `@endpoint(...)` (graphcrm.webapp.schemas): its body and query
string are validated against pydantic models before it runs, and /api/openapi.json is generated
from the same declarations.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from flask import Blueprint, current_app, jsonify

from graphcrm import readmodel
from graphcrm.errors import NotFound
from graphcrm.permissions import require
from graphcrm.render import analyst_output, audit_output, report_output, to_json_value
from graphcrm.stores.protocol import Scope
from graphcrm.webapp import schemas as s
from graphcrm.webapp.schemas import endpoint
from graphcrm.webapp.security import current_user, login_required

bp = Blueprint("api", __name__)


def _state():
    return current_app.extensions["graphcrm"]


def _day(query) -> date:
    return query.as_of or date.today()


def _changed(change):
    return jsonify(message=change.message, audit=change.audit.id if change.audit else None,
                   records=to_json_value({k: [asdict(r) for r in v] for k, v in change.records.kinds() if v})), 200


@bp.get("/openapi.json")
@endpoint("this document", public=True)
def openapi():
    from graphcrm.webapp.openapi import document

    return jsonify(document(current_app))


@bp.get("/me")
@login_required
@endpoint("the logged-in user", answer=s.ME)
def me():
    user = current_user()
    return jsonify(email=user.email, role=user.role, staff=user.staff)


@bp.get("/reports")
@login_required
@endpoint("the report catalogue with parameters and columns", answer=s.CATALOGUE)
def reports():
    require(current_user(), "read_all", "Reports")
    from graphcrm.reports import catalogue

    return jsonify([{"name": r.name, "doc": r.doc, "columns": r.column_names,
                     "params": [{"name": p.name, "type": p.type, "required": p.required, "doc": p.doc} for p in r.user_params]}
                    for r in catalogue().values()])


@bp.get("/reports/<name>")
@login_required
@endpoint("run a report as of a day, with its parameters (see /api/reports)", query=s.ReportQuery, answer=s.REPORT)
def report(name, query):
    require(current_user(), "read_all", "Reports")
    params = {k: v for k, v in (query.model_extra or {}).items()}
    return jsonify(report_output(_state().report(name, _day(query), params)).document)


@bp.get("/tiers")
@login_required
@endpoint("the tiers in stage order", answer=s.TIERS)
def tiers():
    return jsonify([{"key": t.key, "level": t.level, "name": t.name} for t in _state().store.tiers()])


@bp.get("/graph/search")
@login_required
@endpoint("clients, staff and teams by id or name", query=s.SearchQuery, answer=s.SEARCH)
def search(query):
    require(current_user(), "read_all", "The graph explorer")
    text = query.q.strip()
    if not text:
        return jsonify([])
    return jsonify(_state().store.search(text, 20))


@bp.get("/lookup")
@login_required
@endpoint("staff, clients or teams whose name or id holds q (exact ids first; staff with their tier): the pickers of "
          "forms and report parameters", query=s.LookupQuery, answer=s.LOOKUP)
def lookup(query):
    require(current_user(), "read_all", "Looking up names")
    text = query.q.strip().casefold()
    names = _state().directory()
    found = []
    for table in (("staff", "clients", "teams") if query.kind == "node" else (query.kind,)):
        for key, name in getattr(names, table).items():
            if not text or text in key.casefold() or (name and text in name.casefold()):
                found.append({"id": key, "name": name, "kind": table})
    # Exact ids first, then names that start with the text, then the rest by name.
    found.sort(key=lambda r: (r["id"].casefold() != text, not (r["name"] or "").casefold().startswith(text),
                              (r["name"] or r["id"]).casefold(), r["id"]))
    shown = found[:query.limit]
    # A picker for coverage shows each person's tier: choosing someone outside the stage's tier is an exception.
    staff_ids = tuple(r["id"] for r in shown if r["kind"] == "staff")
    if staff_ids:
        people = _state().store.views(Scope(people=staff_ids)).people
        for row in shown:
            if row["id"] in people and row["kind"] == "staff":
                row["tier"] = people[row["id"]].tier
    return jsonify(shown)


@bp.get("/graph/neighbourhood")
@login_required
@endpoint("a node and its active neighbours, capped (total says how many)", query=s.NeighbourhoodQuery)
def neighbourhood(query):
    require(current_user(), "read_all", "The graph explorer")
    found = _state().store.neighbourhood(query.label, query.key, _day(query), query.limit)
    if found is None:
        raise NotFound(f"no {query.label} {query.key}")
    return jsonify(to_json_value(found))


@bp.get("/clients/<client_id>")
@login_required
@endpoint("a client: coverage by tier, teams, grade history, timeline, needs, risk flags", query=s.AsOfQuery, answer=s.CLIENT)
def client(client_id, query):
    page = dict(readmodel.client_page(_state().store, _state().settings, current_user(), client_id, _day(query)))
    page["client"] = asdict(page["client"])
    page["tiers"] = [asdict(t) for t in page["tiers"]]
    page["interactions"] = [asdict(i) for i in page["interactions"]]
    page["needs"] = [asdict(n) for n in page["needs"]]
    return jsonify(to_json_value(page))


@bp.get("/staff/<staff_id>")
@login_required
@endpoint("a staff member: load, clients, teams, departure impact", query=s.AsOfQuery, answer=s.STAFF)
def staff(staff_id, query):
    page = readmodel.staff_page(_state().store, _state().settings, current_user(), staff_id, _day(query))
    impact = page.pop("impact")
    repair = page.pop("repair")
    page = {**page, "staff": asdict(page["staff"]), "coverage": [asdict(c) for c in page["coverage"]],
            "history": [asdict(c) for c in page["history"]],
            "impact": {"rows": impact.rows, "summary": impact.summary} if impact else None,
            "repair": {"rows": repair.rows, "summary": repair.summary} if repair else None}
    return jsonify(to_json_value(page))


@bp.post("/clients/<client_id>/interactions")
@login_required
@endpoint("log a contact, communication or transaction", body=s.InteractionBody, answer=s.CHANGED)
def log_interaction(client_id, body):
    return _changed(_state().service.log_interaction(
        current_user(), client_id, body.kind, body.at, body.staff or [], body.summary, body.amount, body.id))


@bp.post("/clients/<client_id>/assessments")
@login_required
@endpoint("record an assessment", body=s.AssessmentBody, answer=s.CHANGED)
def assess(client_id, body):
    return _changed(_state().service.assess(
        current_user(), client_id, body.grade, body.at, body.score, body.summary, body.staff or [], id=body.id))


@bp.post("/clients/<client_id>/handovers")
@login_required
@endpoint("hand the client over to a stage (back: confirm a move to an earlier stage)", body=s.HandoverBody, answer=s.CHANGED)
def handover(client_id, body):
    return _changed(_state().service.handover(current_user(), client_id, body.stage, body.at, body.summary,
                                              body.staff or [], id=body.id, back=body.back))


@bp.post("/clients/<client_id>/needs")
@login_required
@endpoint("record a need", body=s.NeedBody, answer=s.CHANGED)
def need(client_id, body):
    return _changed(_state().service.record_need(
        current_user(), client_id, body.summary, body.detected, body.source, body.staff, body.id))


@bp.post("/coverage")
@login_required
@endpoint("assign coverage (managers, admins)", body=s.AssignBody, answer=s.CHANGED)
def assign(body):
    return _changed(_state().service.assign(current_user(), body.staff, body.client, body.tier, body.role, body.since,
                                            body.exception))


@bp.post("/coverage/release")
@login_required
@endpoint("end coverage (managers, admins)", body=s.ReleaseBody, answer=s.CHANGED)
def release(body):
    return _changed(_state().service.release(current_user(), body.staff, body.client, body.tier, body.until))


@bp.get("/trend")
@login_required
@endpoint("every report's headline figures from one day to another, every week or month (past points cached)",
          query=s.TrendQuery, answer=s.TREND)
def trend(query):
    require(current_user(), "read_all", "Trends")
    from graphcrm.reports.trends import run_trend

    start, end = s.day_value(query.start, "from"), s.day_value(query.end, "to")
    result = run_trend(_state().store, start, end, query.every, _state().settings.policy)
    return jsonify(to_json_value(result.document()))


@bp.post("/plans/apply")
@login_required
@endpoint("apply the coverage plan of a day exactly as reviewed, as one audited change (managers, admins)",
          body=s.PlanApplyBody, answer=s.CHANGED)
def apply_plan(body):
    """Apply the coverage plan of a day (and leavers) exactly as reviewed: its fingerprint must still match."""
    user = current_user()
    require(user, "manage", "apply a coverage plan")      # before working out a plan for someone who may not
    day = s.day_value(body.as_of, "as_of") or date.today()
    from graphcrm.reports import run_report

    # Worked out afresh (not the page cache): another process may have written since.
    plan = run_report(_state().store, "coverage_plan", day, {"leaving": list(body.leaving)}, _state().settings.policy)
    return _changed(_state().service.apply_plan(user, plan, body.fingerprint))


@bp.post("/query")
@login_required
@endpoint("read-only Cypher (Neo4j): a named query of the catalogue or ad-hoc text", body=s.QueryBody,
          answer=s.ANALYST, tag="console")
def query(body):
    require(current_user(), "console", "The Cypher console")
    from graphcrm.analyst import run_analyst_query

    # A name is looked up in the catalogue only (allow_files=False): never a path on the server.
    answer = run_analyst_query(_state().store, body.name, body.cypher, body.raw_params(), _state().settings.policy,
                               limits=_state().settings.guard, allow_files=False)
    return jsonify(analyst_output(answer).document)


@bp.get("/audit")
@login_required
@endpoint("the audit trail, newest first (staff: their own entries)", query=s.AuditQuery, answer=s.AUDIT)
def audit(query):
    entries = _state().service.audit(current_user(), query.actor or None, query.action or None, query.target or None,
                                     None, query.limit)
    return jsonify(audit_output(entries).document)

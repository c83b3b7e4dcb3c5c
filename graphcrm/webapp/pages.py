"""The HTML pages: thin views that parse the request, call the read model or the service, and render."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from pathlib import Path
from tempfile import TemporaryDirectory

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for

from graphcrm import readmodel
from graphcrm.errors import GraphCRMError, ImportFailed
from graphcrm.permissions import LOG_KINDS, may, require
from graphcrm.render import render_csv, render_json
from graphcrm.sources import ENCODINGS, unpack_zip
from graphcrm.stores.protocol import AnalystQueries
from graphcrm.webapp.schemas import FORM_BODIES, day_value, parse_form
from graphcrm.webapp.security import current_user, login_required, safe_next

bp = Blueprint("pages", __name__)


def _state():
    return current_app.extensions["graphcrm"]


def _service():
    return _state().service


def _day(name: str = "as_of") -> date:
    return day_value(request.values.get(name), name) or date.today()


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        state = _state()
        email = (request.form.get("email") or "").strip().lower()[:320]
        # Counted before the password is checked: concurrent guesses cannot outrun the count.
        throttle = current_app.extensions["graphcrm_throttle"]
        if not throttle.attempt(email, request.remote_addr or "?"):
            abort(429, "too many login attempts; wait a few minutes")
        user = state.users.check_password(email, request.form.get("password") or "")
        if user is not None and not current_app.extensions["graphcrm_departures"].active(user):
            user, error = None, "this login's staff member has left; it no longer opens"
        if user is None:
            error = error or "wrong email or password"
        else:
            throttle.succeeded(email)
            session.clear()                      # a new session: nothing of the anonymous one carries over
            session["sid"] = state.users.start_session(user.email, current_app.config["GRAPHCRM_SESSION_HOURS"])
            return redirect(safe_next(request.args.get("next")) or url_for("pages.home"))
    return render_template("login.html", error=error, demo_logins=_state().demo_logins)


@bp.route("/logout", methods=["POST"])
def logout():
    if session.get("sid"):
        _state().users.end_session(session["sid"])     # the cookie, if kept or copied, opens nothing any more
    session.clear()
    return redirect(url_for("pages.login"))


@bp.route("/")
@login_required
def home():
    user = current_user()
    day = _day()
    if not may(user, "read_all"):
        return render_template("my.html", clients=readmodel.my_clients(_state().store, user, day), day=day)
    figures = readmodel.dashboard(lambda name, params: _state().report(name, day, params).rows, day)
    return render_template("dashboard.html", f=figures, day=day)


@bp.route("/clients/<client_id>")
@login_required
def client(client_id):
    user = current_user()
    page = readmodel.client_page(_state().store, _state().settings, user, client_id, _day())
    return render_template("client.html", p=page, forms=_forms(page["actions"]),
                           kinds=[k for k in LOG_KINDS if k in page["actions"]],
                           staff_ids=sorted(_state().store.known_ids().staff) if "assign" in page["actions"] else [])


def _forms(actions: list[str]) -> set[str]:
    """The forms of the client page, from what the permission model says this user may do here."""
    forms = {form for action, form in (("need", "need"), ("assessment", "assess"), ("handover", "handover"),
                                       ("assign", "assign"), ("release", "release")) if action in actions}
    if set(actions) & set(LOG_KINDS):
        forms.add("log")
    return forms


def _change(action):
    """Run one service call from a form; show its message or its refusal, and go back to the page."""
    try:
        change = action()
    except GraphCRMError as exc:
        flash(str(exc), "error")
        return False
    flash(change.message, "ok")
    return True


@bp.route("/clients/<client_id>/<action>", methods=["POST"])
@login_required
def client_change(client_id, action):
    user, service = current_user(), _service()
    if action not in FORM_BODIES:
        abort(404)
    try:
        b = parse_form(action, client_id)             # the same model as the action's API endpoint
    except GraphCRMError as exc:
        flash(str(exc), "error")
        return redirect(url_for("pages.client", client_id=client_id))
    calls = {
        "log": lambda: service.log_interaction(user, client_id, b.kind, b.at, b.staff or [], b.summary, b.amount),
        "need": lambda: service.record_need(user, client_id, b.summary, b.detected, b.source, b.staff),
        "assess": lambda: service.assess(user, client_id, b.grade, b.at, b.score, b.summary),
        "handover": lambda: service.handover(user, client_id, b.stage, b.at, b.summary),
        "assign": lambda: service.assign(user, b.staff, client_id, b.tier, b.role, b.since),
        "release": lambda: service.release(user, b.staff, client_id, b.tier, b.until),
    }
    _change(calls[action])
    return redirect(url_for("pages.client", client_id=client_id))


@bp.route("/staff/<staff_id>")
@login_required
def staff(staff_id):
    page = readmodel.staff_page(_state().store, _state().settings, current_user(), staff_id, _day())
    return render_template("staff.html", p=page, can_leave=may(current_user(), "manage"))


@bp.route("/staff/<staff_id>/leave", methods=["POST"])
@login_required
def staff_leave(staff_id):
    try:
        on = day_value(request.form.get("on"), "on")
        if on is None:
            raise GraphCRMError("on: the day they leave is required")
    except GraphCRMError as exc:
        flash(str(exc), "error")
        return redirect(url_for("pages.staff", staff_id=staff_id))
    _change(lambda: _service().leave(current_user(), staff_id, on))
    return redirect(url_for("pages.staff", staff_id=staff_id))


@bp.route("/reports")
@login_required
def reports():
    require(current_user(), "read_all", "Reports")
    from graphcrm.reports import catalogue

    return render_template("reports.html", specs=catalogue().values())


@bp.route("/reports/<name>")
@login_required
def report(name):
    require(current_user(), "read_all", "Reports")
    from graphcrm.reports import catalogue

    spec = catalogue().get(name) or abort(404, f"no report {name}")
    day = _day()
    params = {p.name: request.args[p.name] for p in spec.user_params if request.args.get(p.name)}
    result, error = None, None
    if not any(p.required and p.name not in params for p in spec.user_params):
        try:
            result = _state().report(name, day, params)
        except GraphCRMError as exc:
            error = str(exc)
    fmt = request.args.get("format")
    if result is not None and fmt == "csv":
        return Response(render_csv(result.columns, result.rows), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}-{day}.csv"})
    if result is not None and fmt == "json":
        return Response(render_json(result), mimetype="application/json",
                        headers={"Content-Disposition": f"attachment; filename={name}-{day}.json"})
    return render_template("report.html", spec=spec, result=result, error=error, day=day, params=params)


@bp.route("/console", methods=["GET", "POST"])
@login_required
def console():
    require(current_user(), "console", "The Cypher console")
    from graphcrm.analyst import run_analyst_query
    from graphcrm.queries import ANALYST_KINDS, library
    from graphcrm.reports import catalogue

    store = _state().store
    cypher_capable = isinstance(store, AnalystQueries)
    reports = catalogue()
    named = [q for q in library() if q.kind in ANALYST_KINDS]
    # Reports that networkx finishes (their file is an extraction) are offered by their own name too: they run
    # through the report registry on either store, with the report's parameters.
    named += [SimpleNamespace(name=r.name, kind="report, networkx", doc=r.doc, text=r.named.text,
                              params=tuple(p for p in r.params if p.default != "policy"))
              for r in reports.values() if r.name not in library()]
    named.sort(key=lambda q: q.name)
    chosen = request.values.get("query") or ""
    text = request.form.get("cypher") or ""
    result, error = None, None
    if request.method == "POST":
        params = {k[6:]: v for k, v in request.form.items() if k.startswith("param_") and v != ""}
        try:
            if chosen and (not cypher_capable or chosen not in library()):
                if chosen not in reports:
                    raise GraphCRMError("on the embedded store only the named reports run; ad-hoc Cypher needs Neo4j")
                day = day_value(params.get("as_of"), "as_of") or _day()
                report = _state().report(chosen, day, {k: v for k, v in params.items() if k != "as_of"})
                result = _as_table(report.columns, [[row[c] for c in report.columns] for row in report.rows], False)
            else:
                answer = run_analyst_query(store, chosen or None, None if chosen else text, params, _state().settings.policy,
                                           limits=_state().settings.guard)
                result = _as_table(answer.columns, answer.rows, answer.truncated, answer.cut)
        except GraphCRMError as exc:
            error = str(exc)
    selected = next((q for q in named if q.name == chosen), None)
    return render_template("console.html", named=named, selected=selected, text=text, result=result, error=error,
                           neo4j=cypher_capable)


def _as_table(columns, rows, truncated, cut=None):
    return {"columns": columns, "rows": rows, "truncated": truncated, "cut": cut}


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_page():
    user = current_user()
    require(user, "import", "Importing data")
    result = {"errors": [], "total": 0, "unrecognised": [], "message": None, "plan": None, "dry_run": False}
    status = _import_uploads(user, result) if request.method == "POST" else 200
    return render_template("import.html", r=result, encodings=ENCODINGS), status


def _import_uploads(user, result: dict) -> int:
    """Stage the uploads in a temporary folder, read them (plainly or through the mapping) and import through the
    service; fill `result` and return the HTTP status. Messages name uploaded files only, never the staging folder."""
    from graphcrm.importer import IMPORT_FILES, read_folder
    from graphcrm.mapping import load_mapping, read_mapped

    uploads = [u for u in request.files.getlist("files") if u.filename]
    mapping_upload = request.files.get("mapping")
    result["dry_run"] = dry_run = bool(request.form.get("dry_run"))
    with TemporaryDirectory() as tmp:
        folder, staged, wanted = Path(tmp) / "in", [], set(IMPORT_FILES)
        folder.mkdir()
        try:
            for upload in uploads:
                name = Path(upload.filename.replace("\\", "/")).name
                data = upload.read()
                upload.close()
                if name.lower().endswith(".zip"):
                    staged += unpack_zip(data, folder, shown_as=name)
                elif name.lower().endswith((".csv", ".xlsx", ".tsv", ".txt")):
                    (folder / name).write_bytes(data)
                    staged.append(name)
                else:
                    result["unrecognised"].append(name)
            store = _state().store
            if mapping_upload and mapping_upload.filename:
                path = Path(tmp) / "mapping.toml"
                path.write_bytes(mapping_upload.read())
                mapping_upload.close()
                shown = Path(mapping_upload.filename).name
                wanted = set(load_mapping(path, shown).files())
                records = read_mapped(folder, path, store.known_ids(), shown_as="", mapping_shown_as=shown,
                                      zone=_state().settings.policy.zone)
            else:
                records = read_folder(folder, store.known_ids(), encoding=request.form.get("encoding") or "utf-8",
                                      shown_as="", zone=_state().settings.policy.zone)
            change = _service().import_records(user, records, "the import page", dry_run=dry_run)
            result.update(message=change.message, plan=change.plan)
            status = 200
        except ImportFailed as exc:
            result.update(errors=[str(e).replace(tmp, "") for e in exc.errors], total=exc.total)
            status = 400
        except GraphCRMError as exc:
            result.update(errors=[str(exc).replace(tmp, "")], total=1)
            status = exc.http_status
        result["unrecognised"] += [n for n in staged if n not in wanted]
    return status


@bp.route("/audit")
@login_required
def audit():
    entries = _service().audit(current_user(), request.args.get("actor") or None, request.args.get("action") or None,
                               request.args.get("target") or None, None, 200)
    return render_template("audit.html", entries=entries)

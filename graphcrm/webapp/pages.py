"""The HTML pages: thin views that parse the request, call the read model or the service, and render."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from types import SimpleNamespace
from pathlib import Path
from tempfile import TemporaryDirectory

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for

from graphcrm import readmodel
from graphcrm.errors import GraphCRMError, ImportFailed
from graphcrm.permissions import LOG_KINDS, may, require
from graphcrm.render import render_csv, render_json
from graphcrm.stores.protocol import AnalystQueries
from graphcrm.times import parse_day, parse_moment
from graphcrm.webapp.security import current_user, login_required

bp = Blueprint("pages", __name__)
#: An uploaded zip may unpack to this much at most (a small zip can hold gigabytes of zeros).
MAX_UNZIPPED = 512 * 2**20


def _state():
    return current_app.extensions["graphcrm"]


def _service():
    return _state().service


def _day(name: str = "as_of") -> date:
    return parse_day(request.values.get(name), name) or date.today()


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        throttle = current_app.extensions["graphcrm_throttle"]
        keys = ("account:" + email, "address:" + (request.remote_addr or "?"))
        if throttle.blocked(*keys):
            abort(429, "too many failed logins; wait a few minutes")
        user = _state().users.check_password(email, request.form.get("password") or "")
        if user is None:
            throttle.failed(*keys)
            error = "wrong email or password"
        else:
            session.clear()
            session["user"] = user.email
            target = request.args.get("next") or ""
            # Only a path on this site: "//host" and "/\\host" would leave it.
            local = target.startswith("/") and not target.startswith(("//", "/\\"))
            return redirect(target if local else url_for("pages.home"))
    return render_template("login.html", error=error, demo_logins=_state().demo_logins)


@bp.route("/logout", methods=["POST"])
def logout():
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


@bp.route("/graph")
@login_required
def graph():
    require(current_user(), "read_all", "The graph explorer")
    return render_template("graph.html", day=_day(), start=request.args.get("node", ""))


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
    user, service, f = current_user(), _service(), request.form

    def number(v):
        return float(v) if v not in (None, "") else None

    def day(name):
        return parse_day(f.get(name), name)

    def at():
        return parse_moment(f.get("at"), "at")

    staff = [s.strip() for s in f.get("staff", "").split(",") if s.strip()]
    calls = {
        "log": lambda: service.log_interaction(user, client_id, f.get("kind", ""), at(), staff, f.get("summary") or None, number(f.get("amount"))),
        "need": lambda: service.record_need(user, client_id, f.get("summary", ""), day("detected"), f.get("source") or None, f.get("captured") or None),
        "assess": lambda: service.assess(user, client_id, f.get("grade", ""), at(), number(f.get("score")), f.get("summary") or None),
        "handover": lambda: service.handover(user, client_id, f.get("stage", ""), at(), f.get("summary") or None),
        "assign": lambda: service.assign(user, f.get("staff_id", ""), client_id, f.get("tier", ""), f.get("role", "lead"), day("since")),
        "release": lambda: service.release(user, f.get("staff_id", ""), client_id, f.get("tier", ""), day("until")),
    }
    if action not in calls:
        abort(404)
    try:
        _change(calls[action])
    except ValueError as exc:                  # a number or date that does not parse
        flash(f"bad value: {exc}", "error")
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
        on = parse_day(request.form.get("on"), "on")
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
                day = parse_day(params.get("as_of"), "as_of") or _day()
                report = _state().report(chosen, day, {k: v for k, v in params.items() if k != "as_of"})
                result = _as_table(report.columns, [[row[c] for c in report.columns] for row in report.rows], False)
            else:
                answer = run_analyst_query(store, chosen or None, None if chosen else text, params, _state().settings.policy)
                result = _as_table(answer.columns, answer.rows, answer.truncated)
        except GraphCRMError as exc:
            error = str(exc)
    selected = next((q for q in named if q.name == chosen), None)
    return render_template("console.html", named=named, selected=selected, text=text, result=result, error=error,
                           neo4j=cypher_capable)


def _as_table(columns, rows, truncated):
    return {"columns": columns, "rows": rows, "truncated": truncated}


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_page():
    user = current_user()
    require(user, "import", "Importing data")
    errors, message = [], None
    if request.method == "POST":
        from graphcrm.importer import read_folder
        from graphcrm.mapping import read_mapped

        uploads = request.files.getlist("files")
        mapping = request.files.get("mapping")
        with TemporaryDirectory() as tmp:
            folder = Path(tmp) / "in"
            folder.mkdir()
            for upload in uploads:
                if not upload.filename:
                    continue
                name = Path(upload.filename).name
                data = upload.read()
                upload.close()
                if name.endswith(".zip"):
                    with zipfile.ZipFile(io.BytesIO(data)) as archive:
                        if sum(m.file_size for m in archive.infolist()) > MAX_UNZIPPED:
                            abort(413, f"the zip unpacks to more than {MAX_UNZIPPED // 2**20} MB")
                        for member in archive.infolist():
                            if member.filename.endswith(".csv") and not member.is_dir():
                                (folder / Path(member.filename).name).write_bytes(archive.read(member))
                elif name.endswith(".csv"):
                    (folder / name).write_bytes(data)
            try:
                store = _state().store
                if mapping and mapping.filename:
                    path = Path(tmp) / "mapping.toml"
                    path.write_bytes(mapping.read())
                    mapping.close()
                    records = read_mapped(folder, path, store.known_ids())
                else:
                    records = read_folder(folder, store.known_ids())
                change = _service().import_records(user, records, "the import page")
                message = change.message
            except ImportFailed as exc:
                errors = [str(e).replace(str(folder) + "/", "") for e in exc.errors]
            except GraphCRMError as exc:
                errors = [str(exc).replace(str(folder) + "/", "")]
    return render_template("import.html", errors=errors, message=message)


@bp.route("/audit")
@login_required
def audit():
    entries = _service().audit(current_user(), request.args.get("actor") or None, request.args.get("action") or None,
                               request.args.get("target") or None, None, 200)
    return render_template("audit.html", entries=entries)

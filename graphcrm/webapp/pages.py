"""The HTML pages: thin views that parse the request, call the read model or the service, and render."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from pathlib import Path
from tempfile import TemporaryDirectory

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, session, url_for,
)

from flask_babel import gettext

from graphcrm import readmodel
from graphcrm.errors import ChangeRefused, GraphCRMError, ImportFailed, Message
from graphcrm.permissions import LOG_KINDS, may, require
from graphcrm.sources import ENCODINGS, unpack_zip
from graphcrm.webapp.forms import FORMS, submit
from graphcrm.webapp.i18n import LANGUAGE_COOKIE, LANGUAGES, translated
from graphcrm.webapp.schemas import day_value
from graphcrm.webapp.security import current_user, login_required, safe_next
from graphcrm.workqueue import work_queue

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
    """A manager's or analyst's dashboard; a staff member's work queue."""
    user = current_user()
    day = _day()
    state = _state()
    if not may(user, "read_all"):
        queue = work_queue(state.store, state.settings, user, day, date.today())
        return render_template("my.html", queue=queue, day=day, policy=state.settings.policy)
    figures = state.cached(("dashboard", day), lambda: readmodel.dashboard(
        lambda name, params: state.report(name, day, params).rows, day, state.settings.policy, state.directory()))
    return render_template("dashboard.html", f=figures, day=day, policy=state.settings.policy, planner=_planner(day))


def _planner(day: date) -> dict[str, Any]:
    """The coverage plan behind each top-ten client's fix, and the 12-month trend of every headline figure
    (DESIGN 10-11): the trend is fetched by the page (web/static/js/trend.js), so the dashboard never waits for it."""
    from graphcrm.reports.trends import trend_headlines

    a_year_before = day - timedelta(days=365)
    headlines = trend_headlines()
    return {"plan": True,
            "trend": url_for("api.trend", **{"from": a_year_before.isoformat(), "to": day.isoformat(), "every": "month"}),
            "labels": {h.key: gettext(h.label) for _, h in headlines},
            "links": {h.key: url_for("browse.report", name=r.name, as_of=day.isoformat()) for r, h in headlines}}


@bp.route("/language", methods=["POST"])
def language():
    """The user's own choice of language, kept in a cookie for a year (it outlives a login)."""
    chosen = request.form.get("language", "")
    response = redirect(safe_next(request.form.get("next")) or url_for("pages.home"))
    if chosen in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)

@bp.route("/clients/<client_id>")
@login_required
def client(client_id):
    return _client_page(client_id)


def _client_page(client_id: str, failed: tuple[str, dict, GraphCRMError] | None = None):
    """The client page; after a refused form, the same page with that form's input kept and its error by the field."""
    state, user = _state(), current_user()
    page = readmodel.client_page(state.store, state.settings, user, client_id, _day(), date.today(), state.directory())
    values, errors = {}, {}
    if failed is not None:
        action, form, exc = failed
        values[action] = {k: v for k, v in form.items() if k != "csrf_token"}
        errors[action] = {(exc.field or "_"): translated(exc.message)}
    actions = page["actions"]
    forms = {form for action, form in (("need", "need"), ("assessment", "assess"), ("handover", "handover"),
                                       ("assign", "assign"), ("release", "release")) if action in actions}
    kinds = [k for k in LOG_KINDS if k in actions]
    if kinds:
        forms.add("log")
    me = [user.staff] if user.staff else []
    return render_template("client.html", p=page, forms=forms, kinds=kinds, values=values, errors=errors, me=me,
                           status=400 if failed else 200), (failed[2].http_status if failed else 200)


@bp.route("/clients/<client_id>/<action>", methods=["POST"])
@login_required
def client_change(client_id, action):
    if action not in FORMS:
        abort(404)
    try:
        change = submit(action, client_id, request.form, current_user(), _service())
    except GraphCRMError as exc:
        return _client_page(client_id, (action, request.form.to_dict(), exc))
    flash(translated(change.message), "ok")
    back = safe_next(request.form.get("next"))
    return redirect(back or url_for("pages.client", client_id=client_id) + f"#form-{action}")


@bp.route("/staff/<staff_id>")
@login_required
def staff(staff_id):
    state = _state()
    page = readmodel.staff_page(state.store, state.settings, current_user(), staff_id, _day())
    return render_template("staff.html", p=page, can_leave=may(current_user(), "manage"))


@bp.route("/staff/<staff_id>/leave", methods=["POST"])
@login_required
def staff_leave(staff_id):
    try:
        on = day_value(request.form.get("on"), "on")
        if on is None:
            raise ChangeRefused(Message("the day they leave is required", "on"))
        change = _service().leave(current_user(), staff_id, on)
    except GraphCRMError as exc:
        flash(translated(exc.message), "error")
        return redirect(url_for("pages.staff", staff_id=staff_id))
    flash(translated(change.message), "ok")
    return redirect(url_for("pages.staff", staff_id=staff_id))


@bp.route("/plans/apply", methods=["POST"])
@login_required
def apply_plan():
    """The coverage plan a manager reviewed on its report page, recorded whole after the browser's confirmation.

    The plan is worked out again and must still have the fingerprint the page showed: a change in between
    refuses it with the reason, and applying it twice records it once (Service.apply_plan).
    """
    back = safe_next(request.form.get("next")) or url_for("browse.report", name="coverage_plan")
    try:
        require(current_user(), "manage", "apply a coverage plan")
        from graphcrm.reports import run_report

        day = day_value(request.form.get("as_of"), "as_of") or date.today()
        leaving = [s for s in request.form.get("leaving", "").replace(";", ",").replace(" ", ",").split(",") if s]
        plan = run_report(_state().store, "coverage_plan", day, {"leaving": leaving}, _state().settings.policy)
        change = _service().apply_plan(current_user(), plan, request.form.get("fingerprint") or "")
    except GraphCRMError as exc:
        flash(translated(exc.message), "error")
        return redirect(back)
    flash(translated(change.message), "ok")
    return redirect(back)


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
    """The audit trail, filtered by words (a part of the actor, the action or the target, in any case)."""
    words = {k: (request.args.get(k) or "").strip() or None for k in ("actor", "action", "target")}
    entries = _service().audit(current_user(), words["actor"], words["action"], words["target"], None, 200)
    return render_template("audit.html", entries=entries, words=words)

"""Pages that browse whole results: the report catalogue, a report, the portfolio grid and the Cypher console.

A report runs once per day and parameters (cached by the app until the next change); a page then
filters, sorts and cuts one page from all of its rows (graphcrm.tables), so page 50 of 18,000 rows
costs what page 1 does. Downloads carry the same filtered and sorted rows, every one of them.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from graphcrm.errors import GraphCRMError, Message, ParameterError
from graphcrm.permissions import may, require
from graphcrm.portfolio import FLAGS, grid_columns, grid_rows
from graphcrm.render import render_csv, report_output, render_json
from graphcrm.tables import PAGE_SIZES, Browse, arrange, browse, columns_of
from graphcrm.webapp.i18n import translated
from graphcrm.webapp.names import directory
from graphcrm.webapp.params import form_fields, raw_values
from graphcrm.webapp.schemas import day_value
from graphcrm.webapp.security import current_user, login_required

__all__ = ["bp"]

bp = Blueprint("browse", __name__)


def _state():
    return current_app.extensions["graphcrm"]


def _day() -> date:
    return day_value(request.args.get("as_of"), "as_of") or date.today()


def _browse_request(default_size: int = 50) -> Browse:
    """Sorting, filters (f.<column>) and the page, from the query string."""
    def whole(name: str, default: int) -> int:
        raw = request.args.get(name)
        try:
            return int(raw) if raw else default
        except ValueError:
            raise ParameterError(Message("expected a whole number, got {value!r}", name, value=raw)) from None

    filters = {k[2:]: v for k, v in request.args.items() if k.startswith("f.") and v.strip()}
    size = whole("size", default_size)
    return Browse(request.args.get("sort") or None, request.args.get("desc") == "1", filters, whole("page", 1),
                  size if size in PAGE_SIZES else default_size)


@bp.app_template_global()
def url_with(**changes: Any) -> str:
    """This page's URL with some query arguments changed (None removes one): sorting, paging and filter links."""
    args = request.args.to_dict(flat=True)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return request.path + ("?" + urlencode(args) if args else "")


@bp.app_template_global()
def report_url(name: str, day: date | None = None, filters: dict[str, str] | None = None, **params: Any) -> str:
    """A report page showing the rows behind a figure: its day, its parameters and the filters that pick them."""
    args = {**({"as_of": day.isoformat()} if day else {}), **{k: v for k, v in params.items() if v is not None},
            **{f"f.{k}": v for k, v in (filters or {}).items()}}
    return url_for("browse.report", name=name, **args)


@bp.app_template_global()
def grid_url(day: date | None = None, filters: dict[str, str] | None = None, **args: Any) -> str:
    """The portfolio grid with some filters set."""
    return url_for("browse.grid", **({"as_of": day.isoformat()} if day else {}), **args,
                   **{f"f.{k}": v for k, v in (filters or {}).items()})


def _tier_keys() -> list[str]:
    return [t.key for t in _state().store.tiers()]


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
    state, tiers = _state(), _tier_keys()
    fields = form_fields(spec.params, spec.ids, state.settings.policy, tiers, request.args)
    result, page, error, columns, wanted = None, None, None, columns_of(spec.columns), Browse()
    missing = [p for p in spec.user_params if p.required and not (request.args.get(p.name) or "").strip()]
    try:
        day = _day()
        if not missing:
            result = state.report(name, day, raw_values(spec.params, request.args, tiers))
            columns = columns_of(spec.columns, result.rows)
            wanted = _browse_request()
            fmt = request.args.get("format")
            if fmt in ("csv", "json"):
                rows = arrange(result.rows, columns, directory(), wanted)
                return _download(name, day, result, rows, fmt)
            page = browse(result.rows, columns, directory(), wanted)
    except GraphCRMError as exc:
        day, error = date.today(), exc
    return render_template("report.html", spec=spec, result=result, page=page, columns=columns, fields=fields, wanted=wanted,
                           error=error, error_text=translated(error.message) if error else None, day=day,
                           missing=missing, args=request.args, policy=state.settings.policy), (error.http_status if error else 200)


def _download(name: str, day: date, result, rows: list[dict[str, Any]], fmt: str) -> Response:
    if fmt == "csv":
        return Response(render_csv(result.columns, rows), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}-{day}.csv"})
    shown = type(result)(result.report, result.as_of, result.params, result.policy, result.columns, rows, result.summary)
    return Response(render_json(report_output(shown).document), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={name}-{day}.json"})


@bp.route("/portfolio")
@login_required
def grid():
    """Clients x tiers: who covers each stage, coloured against policy; filtered, sorted and paged over every client."""
    require(current_user(), "read_all", "The portfolio grid")
    state, tiers = _state(), _tier_keys()
    day = _day()
    rows = state.cached(("grid", day), lambda: grid_rows(lambda n, p: state.report(n, day, p).rows, tiers,
                                                         state.settings.policy))
    columns = grid_columns(tiers, directory())
    wanted = _browse_request()
    if not wanted.sort:
        wanted.sort, wanted.descending = "risk", True
    if request.args.get("format") == "csv":
        return _grid_csv(arrange(rows, columns, directory(), wanted), tiers, day)
    page = browse(rows, columns, directory(), wanted)
    teams = sorted(directory().teams.items(), key=lambda kv: ((kv[1] or kv[0]).casefold(), kv[0]))
    return render_template("grid.html", page=page, columns=columns, tiers=tiers, day=day, args=request.args,
                           flags=FLAGS, teams=teams, wanted=wanted, policy=state.settings.policy)


def _grid_csv(rows: list[dict[str, Any]], tiers: list[str], day: date) -> Response:
    names = directory()

    def person(staff: str) -> str:
        return f"{names.name('staff', staff) or staff} ({staff})"

    header = ["client", "name", "grade", "stage", "value", "risk", "flags", "teams"] + tiers
    out = [{"client": r["client"], "name": r["name"], "grade": r["grade"], "stage": r["stage"], "value": r["value"],
            "risk": r["risk"], "flags": r["flags"], "teams": r["teams"],
            **{t: [person(s) for s in r[f"tier:{t}"]] for t in tiers}} for r in rows]
    return Response(render_csv(header, out), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=portfolio-{day}.csv"})


@bp.route("/console", methods=["GET", "POST"])
@login_required
def console():
    """Named queries with their parameter forms and ad-hoc read-only Cypher; only what this store can run is listed."""
    require(current_user(), "console", "The Cypher console")
    from graphcrm.analyst import run_analyst_query
    from graphcrm.queries import ANALYST_KINDS, library
    from graphcrm.reports import catalogue
    from graphcrm.stores.protocol import AnalystQueries

    state = _state()
    store, tiers = state.store, _tier_keys()
    cypher_capable = isinstance(store, AnalystQueries)
    reports = catalogue()
    # Neo4j runs every read-only named query; a report that networkx finishes (its file is an extraction) and
    # every report on the embedded store are offered by the report's own name and run through the registry.
    through_registry = {name for name in reports if not cypher_capable or name not in library()}
    named = [q for q in library() if q.kind in ANALYST_KINDS] if cypher_capable else []
    named += [SimpleNamespace(name=name, kind="report", doc=reports[name].doc, params=reports[name].params,
                              path=reports[name].named.path, text=reports[name].named.text) for name in sorted(through_registry)]
    named.sort(key=lambda q: q.name)
    offered = {q.name for q in named}
    chosen = request.values.get("query") or ""
    if chosen and chosen not in offered:
        chosen = ""
    selected = next((q for q in named if q.name == chosen), None)
    spec = reports.get(chosen) if chosen in through_registry else None
    params = spec.params if spec else (selected.params if selected else ())
    ids = spec.ids if spec else {}
    values = request.form if request.method == "POST" else request.args
    fields = form_fields(params, ids, state.settings.policy, tiers, values)
    text = request.form.get("cypher") or ""
    result, error = None, None
    if request.method == "POST":
        try:
            day = day_value(values.get("as_of"), "as_of") or date.today()
            raw = raw_values(params, values, tiers)
            if spec is not None:
                report = state.report(spec.name, day, raw)
                result = {"columns": report.columns, "rows": [[row[c] for c in report.columns] for row in report.rows],
                          "truncated": False, "cut": None}
            else:
                if selected is not None and any(p.default == "today" for p in selected.params):
                    raw["as_of"] = day.isoformat()
                answer = run_analyst_query(store, chosen or None, None if chosen else text, raw, state.settings.policy,
                                           limits=state.settings.guard)
                result = {"columns": answer.columns, "rows": answer.rows, "truncated": answer.truncated, "cut": answer.cut}
        except GraphCRMError as exc:
            error = translated(exc.message)
    graph = bool(result) and _has_graph(result["rows"])
    return render_template("console.html", named=named, selected=selected, fields=fields, text=text, result=result,
                           error=error, neo4j=cypher_capable, graph=graph, values=values,
                           as_of=values.get("as_of") or "", may_manage=may(current_user(), "manage"))


def _has_graph(rows: list[list[Any]]) -> bool:
    """Whether a result holds nodes or relationships worth drawing (a table of numbers has none)."""
    def walk(value: Any) -> bool:
        if isinstance(value, dict):
            return value.get("_kind") in ("node", "relationship", "path") or any(walk(v) for v in value.values())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        return False
    return any(walk(v) for row in rows[:500] for v in row)

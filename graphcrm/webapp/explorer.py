"""The graph explorer's page (/graph) and its JSON endpoints (/api/graph/...): thin views over graphcrm.graphview."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, jsonify, render_template, request

from graphcrm.errors import ParameterError
from graphcrm.graphview import NODE_LABELS, PAGE, SEARCH_PAGE, explorer_for, opening_key
from graphcrm.render import to_json_value
from graphcrm.times import parse_day
from graphcrm.webapp.security import current_user, login_required

__all__ = ["bp", "openapi_paths"]

bp = Blueprint("explorer", __name__)


def _state():
    return current_app.extensions["graphcrm"]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParameterError(f"{name}: expected a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ParameterError(f"{name}: expected a whole number from {low} to {high}, got {value}")
    return value


def _explorer() -> Explorer:
    state = _state()
    today = date.today()
    as_of = parse_day(request.args.get("as_of"), "as_of") or today
    return explorer_for(state.store, state.settings, state.report, current_user(), as_of, today)


@bp.get("/graph")
@login_required
def graph():
    explorer = _explorer()
    return render_template("graph.html", day=explorer.as_of, start=request.args.get("node", ""),
                           tiers=explorer.tiers(), teams=explorer.teams(), staff_view=explorer.reach is not None,
                           page=PAGE, search_page=SEARCH_PAGE)


@bp.get("/api/graph/opening")
@login_required
def opening():
    explorer = _explorer()
    return jsonify(to_json_value(_state().remember(opening_key(explorer), explorer.opening_view)))


@bp.get("/api/graph/neighbours")
@login_required
def neighbours():
    label, key = request.args.get("label", ""), request.args.get("key", "")
    page = _explorer().neighbours(label, key, _int_arg("offset", 0, 0, 10_000_000), _int_arg("limit", PAGE, 0, 1000))
    return jsonify(to_json_value(page))


@bp.get("/api/graph/find")
@login_required
def find():
    return jsonify(_explorer().search(request.args.get("q") or "", _int_arg("offset", 0, 0, 10_000_000),
                                      _int_arg("limit", SEARCH_PAGE, 1, 100)))


@bp.get("/api/graph/teams")
@login_required
def teams():
    return jsonify(_explorer().teams())


@bp.get("/api/graph/path")
@login_required
def path():
    max_hops = _int_arg("max_hops", 0, 0, 12) or None
    return jsonify(to_json_value(_explorer().path(request.args.get("from", ""), request.args.get("to", ""), max_hops)))


def _param(name: str, required: bool = False, kind: str = "string") -> dict:
    return {"name": name, "in": "query", "required": required, "schema": {"type": kind}}


def _get(summary: str, params: list[dict]) -> dict:
    errors = {"$ref": "#/components/responses/Error"}
    return {"get": {"summary": summary, "tags": ["graph"], "parameters": params + [_param("as_of")],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                                  "400": errors, "401": {"description": "not logged in"}, "403": errors, "404": errors}}}


def openapi_paths() -> dict:
    """The explorer's part of /api/openapi.json. Staff users get their reach (themselves, their teams, their clients), today only."""
    labels = ", ".join(NODE_LABELS)
    return {
        "/api/graph/opening": _get("the opening view: the ten clients to act on first (key_person_risk risk x value) "
                                   "with their coverers; for staff, among their own clients", []),
        "/api/graph/neighbours": _get(f"one page of a node's active neighbours with cards, and the total ({labels})",
                                      [_param("label", True), _param("key", True), _param("offset", kind="integer"),
                                       _param("limit", kind="integer")]),
        "/api/graph/find": _get("one page of clients, staff and teams whose id or name contains q, and the total",
                                [_param("q", True), _param("offset", kind="integer"), _param("limit", kind="integer")]),
        "/api/graph/teams": _get("every team the user may filter by", []),
        "/api/graph/path": _get("who-knows-whom chains between two node ids (DESIGN 12), or why none can be shown",
                                [_param("from", True), _param("to", True), _param("max_hops", kind="integer")]),
    }

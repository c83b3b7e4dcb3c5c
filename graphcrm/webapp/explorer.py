"""The graph explorer's page (/graph) and its JSON endpoints (/api/graph/...): thin views over graphcrm.graphview."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, jsonify, render_template, request

from graphcrm.graphview import NODE_LABELS, PAGE, SEARCH_PAGE, Explorer, explorer_for, opening_key
from graphcrm.render import to_json_value
from graphcrm.webapp import schemas as s
from graphcrm.webapp.schemas import day_value, endpoint
from graphcrm.webapp.security import current_user, login_required

__all__ = ["bp"]

bp = Blueprint("explorer", __name__)


def _state():
    return current_app.extensions["graphcrm"]


def _explorer(as_of: date | None) -> Explorer:
    state = _state()
    today = date.today()
    return explorer_for(state.store, state.settings, state.report, current_user(), as_of or today, today, state.remember)


@bp.get("/graph")
@login_required
def graph():
    explorer = _explorer(day_value(request.args.get("as_of"), "as_of"))
    return render_template("graph.html", day=explorer.as_of, start=request.args.get("node", ""),
                           tiers=explorer.tiers(), teams=explorer.teams(), staff_view=explorer.reach is not None,
                           page=PAGE, search_page=SEARCH_PAGE)


@bp.get("/api/graph/opening")
@login_required
@endpoint("the opening view: the ten clients to act on first (key_person_risk risk x value) with their coverers; "
          "for staff, among their own clients", query=s.OpeningQuery, tag="graph")
def opening(query):
    explorer = _explorer(query.as_of)
    return jsonify(to_json_value(_state().remember(opening_key(explorer), explorer.opening_view)))


@bp.get("/api/graph/neighbours")
@login_required
@endpoint(f"one page of a node's active neighbours with cards, and the total ({', '.join(NODE_LABELS)})",
          query=s.NeighboursQuery, tag="graph")
def neighbours(query):
    return jsonify(to_json_value(_explorer(query.as_of).neighbours(query.label, query.key, query.offset, query.limit)))


@bp.get("/api/graph/find")
@login_required
@endpoint("one page of clients, staff and teams whose id or name contains q, and the total", query=s.FindQuery, tag="graph")
def find(query):
    return jsonify(_explorer(query.as_of).search(query.q, query.offset, query.limit))


@bp.get("/api/graph/teams")
@login_required
@endpoint("every team the user may filter by", query=s.OpeningQuery, answer=s.TEAMS, tag="graph")
def teams(query):
    return jsonify(_explorer(query.as_of).teams())


@bp.get("/api/graph/path")
@login_required
@endpoint("who-knows-whom chains between two node ids (DESIGN 12), or why none can be shown", query=s.PathQuery, tag="graph")
def path(query):
    return jsonify(to_json_value(_explorer(query.as_of).path(query.start, query.end, query.max_hops or None)))

"""What the graph explorer shows: the opening view, pages of neighbours and of search hits, the teams, and
who-knows-whom chains; every client with its key-person risk from the key_person_risk report, and everything
limited to what the user may read (graphcrm.permissions.explorer_reach), decided here on the server."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from graphcrm.config import Settings
from graphcrm.errors import NotFound, ParameterError, PermissionDenied
from graphcrm.permissions import Reach, User, explorer_reach, may
from graphcrm.rules import membership_active

__all__ = ["Explorer", "explorer_for", "opening_key", "NODE_LABELS", "PAGE", "SEARCH_PAGE", "TOP", "PATH_REPORT", "rank_by_risk", "risk_reasons"]

NODE_LABELS = ("Client", "Staff", "Team", "Tier")
#: Neighbours per page ("+N more" loads the next page), search hits per page, clients in the opening view.
PAGE = 50
SEARCH_PAGE = 20
TOP = 10
#: The who-knows-whom report of DESIGN 12; the explorer offers path finding once the registry has it.
PATH_REPORT = "path"
PATH_MISSING = "path finding is not available yet"

#: (report name, as_of, params) -> ReportResult: the web app's cached run_report.
RunReport = Callable[[str, date, dict[str, Any]], Any]
#: remember(key, compute): compute's result, kept under key until the store changes (or simply computed).
Remember = Callable[[tuple, Callable[[], Any]], Any]


def _compute(key: tuple, compute: Callable[[], Any]) -> Any:
    return compute()


def rank_by_risk(risks: dict[str, int], values: dict[str, float | None], candidates: list[str], n: int = TOP) -> list[str]:
    """The `n` clients to act on first: key_person_risk risk x value, then risk, then value (a missing value counts 0), then id."""
    def order(client: str):
        risk, value = risks.get(client, 0), values.get(client) or 0.0
        return (-risk * value, -risk, -value, client)
    return sorted(candidates, key=order)[:n]


def risk_reasons(row: dict[str, Any] | None, policy, tier_names: dict[str, str], names: dict[str, str | None]) -> list[str]:
    """The key-person flags of one key_person_risk row, in words a manager reads (people by name, id secondary)."""
    if row is None:
        return []

    def who(staff: str) -> str:
        return f"{names[staff]} ({staff})" if names.get(staff) else staff

    reasons = []
    if row["bus_factor"] == 0:
        reasons.append("a stage has no active coverer")
    if row["single_point_tiers"] and policy.min_per_tier.get(row["grade"], 1) >= 2:
        stages = ", ".join(tier_names.get(t, t) for t in row["single_point_tiers"])
        reasons.append(f"one person alone at {stages}, where grade {row['grade']} asks for "
                       f"{policy.min_per_tier[row['grade']]}")
    if row["multi_tier_staff"]:
        verb = "covers" if len(row["multi_tier_staff"]) == 1 else "cover"
        reasons.append(f"split authority broken: {', '.join(who(s) for s in row['multi_tier_staff'])} {verb} several stages")
    if row["end_to_end_owner"]:
        reasons.append(f"held end to end by {who(row['end_to_end_owner'])}")
    if row["concentration_owner"]:
        reasons.append(f"{who(row['concentration_owner'])} took part in {row['concentration_share']:.0%} of recent interactions")
    return reasons


def explorer_for(store, settings: Settings, report: RunReport, user: User, as_of: date, today: date,
                 remember: Remember | None = None) -> "Explorer":
    """The explorer a request gets: the whole graph for users who read everything, else the user's Reach, today only."""
    reach = None
    if not may(user, "read_all"):
        me = store.staff_view(user.staff) if user.staff else None
        teams = []
        if me is not None:
            people = {me.staff[0].id: me.staff[0]}
            mine = sorted({m.team for m in me.memberships if membership_active(m, people, today)})
            teams = [v for t in mine if (v := store.team_view(t)) is not None]
        reach = explorer_reach(user, me, teams, today)
    if reach is not None and as_of != today:
        raise PermissionDenied("staff explore today's graph only (what they may read is decided on today)")
    return Explorer(store, settings, report, as_of, reach, remember or _compute)


def opening_key(explorer: "Explorer") -> tuple:
    """Under which key the web app keeps an opening view: one per day and reach (all-reading users share one)."""
    return ("graph-opening", explorer.as_of, explorer.reach)


@dataclass
class Explorer:
    """The explorer on one day. `reach` None shows the whole graph: build one for a request with `explorer_for`,
    which sets it from the user's permissions. `report` runs a report through the web app's cache; `remember`
    keeps what is derived from the store until the next change (the web app's), so a request for a page of
    neighbours does not re-read the tiers nor re-index the risk report's 20,000 rows."""

    store: Any
    settings: Settings
    report: RunReport
    as_of: date
    reach: Reach | None
    remember: Remember = _compute
    _risks: dict[str, dict[str, Any]] | None = field(default=None, init=False, repr=False)

    # -- risk, names and cards -------------------------------------------------------------------------
    def _risk_rows(self) -> dict[str, dict[str, Any]]:
        if self._risks is None:
            self._risks = self.remember(("explorer-risks", self.as_of), lambda: {
                row["client"]: row for row in self.report("key_person_risk", self.as_of, {}).rows})
        return self._risks

    def _cards(self, nodes: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Cards for `nodes` (each once), clients with their risk and its reasons, every node with whether it may be opened."""
        wanted = list(dict.fromkeys(nodes))
        asked = set(wanted)
        risks = self._risk_rows()
        rows = {key: risks.get(key) for label, key in wanted if label == "Client"}
        # The people a client's flags name are read in the same round trip, for their names.
        named = sorted({s for r in rows.values() if r
                        for s in (*r["multi_tier_staff"], r["end_to_end_owner"], r["concentration_owner"]) if s})
        found = self.store.node_cards(wanted + [("Staff", s) for s in named if ("Staff", s) not in asked], self.as_of)
        names = {c["key"]: c["name"] for c in found if c["label"] == "Staff"}
        cards = [c for c in found if (c["label"], c["key"]) in asked]
        tier_names = {t.key: t.name or t.key for t in self._tiers()}
        out = {}
        for card in cards:
            card = dict(card)
            if card["label"] == "Client":
                row = rows[card["key"]]
                card["risk"] = row["risk"] if row else 0
                card["reasons"] = risk_reasons(row, self.settings.policy, tier_names, names)
            card["open"] = self.reach is None or self.reach.may_open(card["label"], card["key"])
            out[(card["label"], card["key"])] = card
        return out

    def _check_open(self, label: str, key: str) -> None:
        if label not in NODE_LABELS or not key:
            raise ParameterError(f"label must be one of {', '.join(NODE_LABELS)} and key is required")
        if self.reach is not None and not self.reach.may_open(label, key):
            raise PermissionDenied(f"you may open yourself, your teams and the clients you may read, not {label} {key}")

    # -- what the endpoints answer ---------------------------------------------------------------------------
    def _page(self, label: str, key: str, offset: int, limit: int) -> tuple[tuple[str, str], int, dict[str, Any]]:
        self._check_open(label, key)
        page = self.store.neighbourhood_page(label, key, self.as_of, offset, limit)
        if page is None:
            raise NotFound(f"no {label} {key}")
        return (label, key), offset, page

    def _shaped(self, pages: list[tuple[tuple[str, str], int, dict[str, Any]]]) -> list[dict[str, Any]]:
        """Pages of neighbours with their cards, read in one go."""
        cards = self._cards([node for centre, _, page in pages
                             for node in [centre] + [(n["label"], n["key"]) for n in page["neighbours"]]])
        return [{"centre": cards[centre], "offset": offset, "total": page["total"],
                 "neighbours": [{"type": n["type"], "outgoing": n["outgoing"], "tier": n["tier"], "role": n["role"],
                                 "node": cards[(n["label"], n["key"])]} for n in page["neighbours"]]}
                for centre, offset, page in pages]

    def neighbours(self, label: str, key: str, offset: int = 0, limit: int = PAGE) -> dict[str, Any]:
        """One page of a node's active neighbours, with cards, and how many there are in all."""
        return self._shaped([self._page(label, key, offset, limit)])[0]

    def opening_view(self) -> dict[str, Any]:
        """The clients to act on first (risk x value) with their coverers; for staff, among their own clients."""
        risks = {client: row["risk"] for client, row in self._risk_rows().items()}
        candidates = sorted(self.reach.covered) if self.reach is not None else sorted(risks)
        values = self.store.client_values(candidates)
        top = rank_by_risk(risks, values, [c for c in candidates if c in values])
        raw = [self._page("Client", client, 0, PAGE) for client in top]
        if self.reach is not None:
            # A staff member always sees themselves, also before they cover anyone.
            raw.append(self._page("Staff", self.reach.staff, 0, 0))
        pages = self._shaped(raw)
        return {"top": [page["centre"] for page in pages if page["centre"]["label"] == "Client"], "pages": pages,
                "who": "your clients" if self.reach is not None else "all clients"}

    def search(self, text: str, offset: int = 0, limit: int = SEARCH_PAGE) -> dict[str, Any]:
        text = text.strip()[:100]
        if not text:
            return {"hits": [], "total": 0, "offset": offset, "text": text}
        page = self.store.search_page(text, offset, limit, self.reach.nodes() if self.reach is not None else None)
        return {**page, "offset": offset, "text": text}

    def teams(self) -> list[dict[str, Any]]:
        return [{"key": t.id, "name": t.name} for t in self.store.teams()
                if self.reach is None or t.id in self.reach.teams]

    def tiers(self) -> list[dict[str, Any]]:
        return [{"key": t.key, "level": t.level, "name": t.name or t.key} for t in self._tiers()]

    def _tiers(self) -> list:
        return self.remember(("tiers",), self.store.tiers)

    def path(self, start: str, end: str, max_hops: int | None = None) -> dict[str, Any]:
        """Who-knows-whom chains between two nodes (DESIGN 12), or why there are none to show."""
        from graphcrm.reports import catalogue

        if self.reach is not None:
            raise PermissionDenied("who-knows-whom chains cross the whole organisation: they are for managers, analysts and admins")
        if not start or not end:
            raise ParameterError("choose two nodes: from and to")
        if PATH_REPORT not in catalogue():
            return {"available": False, "message": PATH_MISSING, "chains": []}
        params: dict[str, Any] = {"from": start, "to": end}
        if max_hops is not None:
            params["max_hops"] = max_hops
        chains = self.report(PATH_REPORT, self.as_of, params).rows
        steps = [(s["label"], s["id"]) for chain in chains for s in chain["steps"]]
        cards = self._cards(steps)
        return {"available": True, "chains": chains, "nodes": [cards[n] for n in dict.fromkeys(steps) if n in cards]}

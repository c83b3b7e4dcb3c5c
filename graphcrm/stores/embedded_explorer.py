"""The graph explorer's reads over the embedded store's in-memory organisation: twins of cypher/reads/{node_cards,
neighbourhood_page,search_page,client_values}.cypher, row for row (the parity tests hold them equal)."""

from __future__ import annotations

from datetime import date
from typing import Iterable

from graphcrm.graphindex import GraphIndex
from graphcrm.rules import grade_on, span_active, staff_active, stage_on
from graphcrm.stores.protocol import Neighbour, NeighbourPage, NodeCard, SearchHit, SearchPage

__all__ = ["node_cards", "neighbourhood_page", "search_page", "client_values"]


def node_cards(g: GraphIndex, nodes: list[tuple[str, str]], as_of: date) -> list[NodeCard]:
    """Twin of cypher/reads/node_cards.cypher: a card per existing node, in the order asked."""
    first = g.first_tier_key()
    cards: list[NodeCard] = []
    for label, key in nodes:
        card: NodeCard = {"label": label, "key": key, "name": None, "grade": None, "stage": None, "value": None,
                          "tier": None, "level": None, "left": None}
        if label == "Client" and key in g.clients:
            c = g.clients[key]
            milestones = g.milestones_by_client
            card.update(name=c.name, value=c.value,
                        grade=grade_on(c.grade, milestones["assessment"].get(key, {}).values(), as_of),
                        stage=stage_on(c.stage, milestones["handover"].get(key, {}).values(), as_of, first))
        elif label == "Staff" and key in g.staff:
            s = g.staff[key]
            card.update(name=s.name, tier=s.tier if s.tier in g.tiers else None, left=s.left)
        elif label == "Team" and key in g.teams:
            card.update(name=g.teams[key].name)
        elif label == "Tier" and key in g.tiers:
            card.update(name=g.tiers[key].name, tier=key, level=g.tiers[key].level)
        else:
            continue
        cards.append(card)
    return cards


def _active_end(g: GraphIndex, node: tuple[str, str], as_of: date) -> bool:
    return node[0] != "Staff" or staff_active(g.staff.get(node[1]), as_of)


def neighbourhood_page(g: GraphIndex, edges: Iterable[tuple], node: tuple[str, str], as_of: date, offset: int,
                       limit: int) -> NeighbourPage:
    """Twin of cypher/reads/neighbourhood_page.cypher: one page of the relationships active on as_of, and the total.

    `edges` are the node's relationships as the store's indexes give them: (type, outgoing, tier, other node,
    since, until, role).
    """
    roles: dict[tuple, list[str | None]] = {}
    if _active_end(g, node, as_of):
        for kind, outgoing, tier, other, since, until, role in edges:
            if span_active(since, until, as_of) and _active_end(g, other, as_of):
                roles.setdefault((kind, outgoing, tier, other), []).append(role)
    ordered = sorted(roles, key=lambda f: (f[0], f[3][0], f[3][1], f[2] is None, f[2] or ""))
    neighbours: list[Neighbour] = []
    for kind, outgoing, tier, other in ordered[offset:offset + limit]:
        found = roles[(kind, outgoing, tier, other)]
        role = "lead" if "lead" in found else "backup" if "backup" in found else None
        neighbours.append({"type": kind, "outgoing": outgoing, "tier": tier, "role": role,
                           "label": other[0], "key": other[1]})
    return {"neighbours": neighbours, "total": len(ordered)}


def search_page(g: GraphIndex, text: str, offset: int, limit: int, within: list[str] | None) -> SearchPage:
    """Twin of cypher/reads/search_page.cypher: exact matches of id or name first, then by label and id."""
    needle = text.lower()
    allowed = set(within) if within is not None else None
    found: list[tuple[bool, SearchHit]] = []
    for label, table in (("Client", g.clients), ("Staff", g.staff), ("Team", g.teams)):
        for record in table.values():
            name = (record.name or "").lower()
            if needle not in record.id.lower() and needle not in name:
                continue
            if allowed is not None and f"{label}:{record.id}" not in allowed:
                continue
            exact = record.id.lower() == needle or name == needle
            found.append((exact, {"label": label, "key": record.id, "name": record.name}))
    found.sort(key=lambda f: (not f[0], f[1]["label"], f[1]["key"]))
    return {"hits": [hit for _, hit in found[offset:offset + limit]], "total": len(found)}


def client_values(g: GraphIndex, clients: list[str]) -> dict[str, float | None]:
    """Twin of cypher/reads/client_values.cypher."""
    return {c: g.clients[c].value for c in sorted(set(clients)) if c in g.clients}

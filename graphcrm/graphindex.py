"""The organisation held in memory: every record indexed for the embedded twins, and a networkx graph of the structure."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import networkx as nx

from graphcrm.model import (
    Client, Coverage, Engagement, Interaction, Membership, Need, Records, Staff, Team, Tier,
)
from graphcrm.rules import first_tier, tiers_in_order

__all__ = ["GraphIndex"]


def _node(label: str, key: str) -> tuple[str, str]:
    return (label, key)


class GraphIndex:
    """Every record by identity, with the per-client/staff/team indexes the reports walk.

    Interactions and needs stay out of the networkx graph: they are many (500,000 at size M)
    and no graph algorithm needs them; the structure (tiers, staff, teams, clients and the
    relationships between them) is in `graph`, a MultiDiGraph keyed by relationship identity.
    """

    def __init__(self) -> None:
        self.tiers: dict[str, Tier] = {}
        self.staff: dict[str, Staff] = {}
        self.teams: dict[str, Team] = {}
        self.clients: dict[str, Client] = {}
        self.memberships: dict[tuple, Membership] = {}
        self.coverage: dict[tuple, Coverage] = {}
        self.engagements: dict[tuple, Engagement] = {}
        self.interactions: dict[str, Interaction] = {}
        self.needs: dict[str, Need] = {}
        self.coverage_by_client: dict[str, dict[tuple, Coverage]] = defaultdict(dict)
        self.coverage_by_staff: dict[str, dict[tuple, Coverage]] = defaultdict(dict)
        self.memberships_by_team: dict[str, dict[tuple, Membership]] = defaultdict(dict)
        self.memberships_by_staff: dict[str, dict[tuple, Membership]] = defaultdict(dict)
        self.engagements_by_team: dict[str, dict[tuple, Engagement]] = defaultdict(dict)
        self.engagements_by_client: dict[str, dict[tuple, Engagement]] = defaultdict(dict)
        self.interactions_by_client: dict[str, dict[str, Interaction]] = defaultdict(dict)
        #: Assessments and handovers by client: grade and stage on a day read only these.
        self.milestones_by_client: dict[str, dict[str, dict[str, Interaction]]] = {
            "assessment": defaultdict(dict), "handover": defaultdict(dict)}
        self.needs_by_client: dict[str, dict[str, Need]] = defaultdict(dict)
        self.graph = nx.MultiDiGraph()
        #: Bumped by every apply(): what is derived from this index (a report's working set) is keyed by it.
        self.version = 0

    # -- reading helpers ---------------------------------------------------------------
    def tiers_by_level(self) -> list[Tier]:
        return tiers_in_order(self.tiers.values())

    def first_tier_key(self) -> str | None:
        return first_tier(self.tiers.values())

    def records(self) -> Records:
        return Records(
            tiers=list(self.tiers.values()), staff=list(self.staff.values()),
            teams=list(self.teams.values()), memberships=list(self.memberships.values()),
            clients=list(self.clients.values()), coverage=list(self.coverage.values()),
            engagements=list(self.engagements.values()),
            interactions=list(self.interactions.values()), needs=list(self.needs.values()),
        )

    # -- writing -------------------------------------------------------------------------
    def apply(self, records: Records) -> None:
        """Upsert a batch (already committed to SQLite) into memory."""
        self.version += 1
        for tier in records.tiers:
            self.tiers[tier.key] = tier
            self.graph.add_node(_node("Tier", tier.key), label="Tier")
        for staff in records.staff:
            self._put_staff(staff)
        for team in records.teams:
            self.teams[team.id] = team
            self.graph.add_node(_node("Team", team.id), label="Team")
        self._put_all(records.memberships, self.memberships, self._index_membership)
        for client in records.clients:
            self.clients[client.id] = client
            self.graph.add_node(_node("Client", client.id), label="Client")
        self._put_all(records.coverage, self.coverage, self._index_coverage)
        self._put_all(records.engagements, self.engagements, self._index_engagement)
        milestones = self.milestones_by_client
        for interaction in records.interactions:
            old = self.interactions.get(interaction.id)
            if old is not None:
                self.interactions_by_client[old.client].pop(old.id, None)
                if old.kind in milestones:
                    milestones[old.kind][old.client].pop(old.id, None)
            self.interactions[interaction.id] = interaction
            self.interactions_by_client[interaction.client][interaction.id] = interaction
            if interaction.kind in milestones:
                milestones[interaction.kind][interaction.client][interaction.id] = interaction
        for need in records.needs:
            old = self.needs.get(need.id)
            if old is not None and old.client != need.client:
                self.needs_by_client[old.client].pop(old.id, None)
            self.needs[need.id] = need
            self.needs_by_client[need.client][need.id] = need

    def _put_staff(self, staff: Staff) -> None:
        node = _node("Staff", staff.id)
        old = self.staff.get(staff.id)
        if old is not None:
            for rel, target in (("IN_TIER", old.tier and _node("Tier", old.tier)),
                                ("REPORTS_TO", old.manager and _node("Staff", old.manager))):
                if target and self.graph.has_edge(node, target, key=rel):
                    self.graph.remove_edge(node, target, key=rel)
        self.staff[staff.id] = staff
        self.graph.add_node(node, label="Staff")
        if staff.tier:
            self.graph.add_edge(node, _node("Tier", staff.tier), key="IN_TIER", type="IN_TIER")
        if staff.manager:
            self.graph.add_edge(node, _node("Staff", staff.manager), key="REPORTS_TO", type="REPORTS_TO")

    @staticmethod
    def _put_all(items: Iterable, table: dict, index) -> None:
        for item in items:
            table[item.identity] = item
            index(item)

    def _index_membership(self, m: Membership) -> None:
        self.memberships_by_team[m.team][m.identity] = m
        self.memberships_by_staff[m.staff][m.identity] = m
        self.graph.add_edge(_node("Staff", m.staff), _node("Team", m.team), key=("MEMBER_OF", m.since),
                            type="MEMBER_OF", since=m.since, until=m.until)

    def _index_coverage(self, c: Coverage) -> None:
        self.coverage_by_client[c.client][c.identity] = c
        self.coverage_by_staff[c.staff][c.identity] = c
        self.graph.add_edge(_node("Staff", c.staff), _node("Client", c.client), key=("COVERS", c.tier, c.since),
                            type="COVERS", tier=c.tier, role=c.role, since=c.since, until=c.until)

    def _index_engagement(self, e: Engagement) -> None:
        self.engagements_by_team[e.team][e.identity] = e
        self.engagements_by_client[e.client][e.identity] = e
        self.graph.add_edge(_node("Team", e.team), _node("Client", e.client), key=("ENGAGES", e.since),
                            type="ENGAGES", since=e.since, until=e.until)

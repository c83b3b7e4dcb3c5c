"""The organisation held in memory: every structural record indexed for the embedded twins, interactions through a source.

Tiers, staff, teams, clients, memberships, coverage, engagements, needs and the milestones (assessments
and handovers) are held as records with the per-client/staff/team indexes the reports walk. The
interactions themselves (500,000 at size M, 5,000,000 at L) stay with their source: the embedded
store's SQLite file, read through its indexes, or memory for an index built from Records alone
(graphcrm.activity). `interactions` and `interactions_by_client` still read like dicts, fetching on
demand; reports that need many interactions ask the source for a window, or a client's first and
last moment (`span`), instead. The networkx graph of the structure is built on first use.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping
from typing import Iterable, Iterator

import networkx as nx

from graphcrm.activity import MILESTONE_KINDS, InteractionSource, MemoryInteractions
from graphcrm.model import (
    Client, Coverage, Engagement, Interaction, Membership, Need, Records, Staff, Team, Tier,
)
from graphcrm.rules import first_tier, tiers_in_order
from graphcrm.times import micros

__all__ = ["GraphIndex", "Timeline"]


def _node(label: str, key: str) -> tuple[str, str]:
    return (label, key)


class Timeline:
    """One client's assessments or handovers in order (by `at`, then id), for "latest on or before a moment"."""

    __slots__ = ("moments", "items")

    def __init__(self, items: Iterable[Interaction]):
        ordered = sorted(items, key=lambda i: (i.at, i.id))
        self.items = ordered
        self.moments = [micros(i.at) for i in ordered]

    def latest_before(self, end: int) -> Interaction | None:
        """The latest item whose moment is < end (ties on `at`: the larger id, as it sorts last)."""
        k = bisect_left(self.moments, end)
        return self.items[k - 1] if k else None


class _Interactions(Mapping):
    """id -> Interaction, read from the source on demand (reads like the dict it used to be)."""

    def __init__(self, source: InteractionSource):
        self._source = source

    def __getitem__(self, key: str) -> Interaction:
        found = self._source.by_ids([key])
        if key not in found:
            raise KeyError(key)
        return found[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._source.by_ids([key])

    def __iter__(self) -> Iterator[str]:
        return (i.id for i in self._source.every())

    def __len__(self) -> int:
        return self._source.count()

    def values(self):          # one pass over the source, not one lookup per id
        return list(self._source.every())


class _InteractionsByClient(Mapping):
    """client -> {id: Interaction} of that client, read from the source on demand; any client gives a dict."""

    def __init__(self, source: InteractionSource):
        self._source = source

    def __getitem__(self, client: str) -> dict[str, Interaction]:
        return {i.id: i for i in self._source.of_client(client)}

    def get(self, client, default=None):
        return self[client]

    def __contains__(self, client: object) -> bool:
        return isinstance(client, str) and client in self._source.span()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._source.span()))

    def __len__(self) -> int:
        return len(self._source.span())


class GraphIndex:
    """Every structural record by identity, with the per-client/staff/team indexes the reports walk."""

    def __init__(self, source: InteractionSource | None = None) -> None:
        self.source: InteractionSource = source if source is not None else MemoryInteractions()
        self.tiers: dict[str, Tier] = {}
        self.staff: dict[str, Staff] = {}
        self.teams: dict[str, Team] = {}
        self.clients: dict[str, Client] = {}
        self.memberships: dict[tuple, Membership] = {}
        self.coverage: dict[tuple, Coverage] = {}
        self.engagements: dict[tuple, Engagement] = {}
        self.needs: dict[str, Need] = {}
        self.coverage_by_client: dict[str, dict[tuple, Coverage]] = defaultdict(dict)
        self.coverage_by_staff: dict[str, dict[tuple, Coverage]] = defaultdict(dict)
        self.memberships_by_team: dict[str, dict[tuple, Membership]] = defaultdict(dict)
        self.memberships_by_staff: dict[str, dict[tuple, Membership]] = defaultdict(dict)
        self.engagements_by_team: dict[str, dict[tuple, Engagement]] = defaultdict(dict)
        self.engagements_by_client: dict[str, dict[tuple, Engagement]] = defaultdict(dict)
        #: id -> Interaction and client -> {id: Interaction}, fetched from the source when read.
        self.interactions = _Interactions(self.source)
        self.interactions_by_client = _InteractionsByClient(self.source)
        #: Assessments and handovers by client: grade and stage on a day read only these.
        self.milestones_by_client: dict[str, dict[str, dict[str, Interaction]]] = {
            "assessment": defaultdict(dict), "handover": defaultdict(dict)}
        self.needs_by_client: dict[str, dict[str, Need]] = defaultdict(dict)
        self._timelines: dict[tuple[str, str], Timeline] = {}
        self._span: dict[str, tuple[int, int]] | None = None
        self._span_stale: set[str] = set()
        self._graph: nx.MultiDiGraph | None = None
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
            interactions=list(self.source.every()), needs=list(self.needs.values()),
        )

    def timeline(self, kind: str, client: str) -> Timeline:
        """A client's assessments or handovers in order, kept until one of them changes."""
        key = (kind, client)
        found = self._timelines.get(key)
        if found is None:
            found = self._timelines[key] = Timeline(self.milestones_by_client[kind].get(client, {}).values())
        return found

    def span(self) -> dict[str, tuple[int, int]]:
        """Client -> (first, last) moment of its interactions (microseconds), kept up to date by apply()."""
        if self._span is None:
            self._span = self.source.span()
            self._span_stale.clear()
        if self._span_stale:
            fresh = self.source.span_of(sorted(self._span_stale))
            for client in self._span_stale:
                if client in fresh:
                    self._span[client] = fresh[client]
                else:
                    self._span.pop(client, None)
            self._span_stale.clear()
        return self._span

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The structure as a networkx MultiDiGraph keyed by relationship identity, built on first use."""
        if self._graph is None:
            graph = nx.MultiDiGraph()
            self._graph = graph
            for tier in self.tiers.values():
                graph.add_node(_node("Tier", tier.key), label="Tier")
            for team in self.teams.values():
                graph.add_node(_node("Team", team.id), label="Team")
            for client in self.clients.values():
                graph.add_node(_node("Client", client.id), label="Client")
            for staff in self.staff.values():
                self._graph_staff(None, staff)
            for m in self.memberships.values():
                self._graph_membership(m)
            for c in self.coverage.values():
                self._graph_coverage(c)
            for e in self.engagements.values():
                self._graph_engagement(e)
        return self._graph

    # -- writing -------------------------------------------------------------------------
    def apply(self, records: Records, replaced: dict[str, Interaction | tuple[str, str]] | None = None) -> None:
        """Upsert a batch (already committed to the store) into memory.

        `replaced` gives, for interactions that existed before, their former (client, kind) or record;
        a source that keeps interactions in memory works it out itself.
        """
        self.version += 1
        graph = self._graph
        for tier in records.tiers:
            self.tiers[tier.key] = tier
            if graph is not None:
                graph.add_node(_node("Tier", tier.key), label="Tier")
        for staff in records.staff:
            old = self.staff.get(staff.id)
            self.staff[staff.id] = staff
            if graph is not None:
                self._graph_staff(old, staff)
        for team in records.teams:
            self.teams[team.id] = team
            if graph is not None:
                graph.add_node(_node("Team", team.id), label="Team")
        self._put_all(records.memberships, self.memberships, self._index_membership)
        for client in records.clients:
            self.clients[client.id] = client
            if graph is not None:
                graph.add_node(_node("Client", client.id), label="Client")
        self._put_all(records.coverage, self.coverage, self._index_coverage)
        self._put_all(records.engagements, self.engagements, self._index_engagement)
        if records.interactions:
            self._apply_interactions(records.interactions, replaced)
        for need in records.needs:
            old = self.needs.get(need.id)
            if old is not None and old.client != need.client:
                self.needs_by_client[old.client].pop(old.id, None)
            self.needs[need.id] = need
            self.needs_by_client[need.client][need.id] = need

    def _apply_interactions(self, interactions: list[Interaction], replaced) -> None:
        before = self.source.add(interactions)
        if replaced is None:
            replaced = {old.id: old for old in before}
        milestones = self.milestones_by_client
        span = self._span
        for interaction in interactions:
            old = replaced.get(interaction.id)
            if old is not None:
                old_client, old_kind = (old.client, old.kind) if isinstance(old, Interaction) else old
                if old_kind in milestones:
                    milestones[old_kind][old_client].pop(interaction.id, None)
                    self._timelines.pop((old_kind, old_client), None)
                self._span_stale.update((old_client, interaction.client))
            elif span is not None:
                us = micros(interaction.at)
                first, last = span.get(interaction.client, (us, us))
                span[interaction.client] = (min(first, us), max(last, us))
            if interaction.kind in milestones:
                milestones[interaction.kind][interaction.client][interaction.id] = interaction
                self._timelines.pop((interaction.kind, interaction.client), None)

    def load_milestones(self, interactions: Iterable[Interaction]) -> None:
        """Hold the stored assessments and handovers (when a store opens)."""
        milestones = self.milestones_by_client
        for interaction in interactions:
            if interaction.kind in MILESTONE_KINDS:
                milestones[interaction.kind][interaction.client][interaction.id] = interaction

    @staticmethod
    def _put_all(items: Iterable, table: dict, index) -> None:
        for item in items:
            table[item.identity] = item
            index(item)

    def _index_membership(self, m: Membership) -> None:
        self.memberships_by_team[m.team][m.identity] = m
        self.memberships_by_staff[m.staff][m.identity] = m
        if self._graph is not None:
            self._graph_membership(m)

    def _index_coverage(self, c: Coverage) -> None:
        self.coverage_by_client[c.client][c.identity] = c
        self.coverage_by_staff[c.staff][c.identity] = c
        if self._graph is not None:
            self._graph_coverage(c)

    def _index_engagement(self, e: Engagement) -> None:
        self.engagements_by_team[e.team][e.identity] = e
        self.engagements_by_client[e.client][e.identity] = e
        if self._graph is not None:
            self._graph_engagement(e)

    # -- the networkx graph, once built, follows every write -------------------------------------
    def _graph_staff(self, old: Staff | None, staff: Staff) -> None:
        graph = self._graph
        node = _node("Staff", staff.id)
        if old is not None:
            for rel, target in (("IN_TIER", old.tier and _node("Tier", old.tier)),
                                ("REPORTS_TO", old.manager and _node("Staff", old.manager))):
                if target and graph.has_edge(node, target, key=rel):
                    graph.remove_edge(node, target, key=rel)
        graph.add_node(node, label="Staff")
        if staff.tier:
            graph.add_edge(node, _node("Tier", staff.tier), key="IN_TIER", type="IN_TIER")
        if staff.manager:
            graph.add_edge(node, _node("Staff", staff.manager), key="REPORTS_TO", type="REPORTS_TO")

    def _graph_membership(self, m: Membership) -> None:
        self._graph.add_edge(_node("Staff", m.staff), _node("Team", m.team), key=("MEMBER_OF", m.since),
                             type="MEMBER_OF", since=m.since, until=m.until)

    def _graph_coverage(self, c: Coverage) -> None:
        self._graph.add_edge(_node("Staff", c.staff), _node("Client", c.client), key=("COVERS", c.tier, c.since),
                             type="COVERS", tier=c.tier, role=c.role, since=c.since, until=c.until)

    def _graph_engagement(self, e: Engagement) -> None:
        self._graph.add_edge(_node("Team", e.team), _node("Client", e.client), key=("ENGAGES", e.since),
                             type="ENGAGES", since=e.since, until=e.until)

"""The networkx reports (truck_factor, brokers): computed in Python from the extracted active coverage graph."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graphcrm.config import Policy
from graphcrm.errors import ParameterError
from graphcrm.rules import round3

__all__ = ["CoverageExtract", "truck_factor", "brokers", "coverage_graph", "truck_factor_report", "brokers_report"]


@dataclass
class CoverageExtract:
    """The active coverage graph on one day, as both stores extract it."""

    tiers: list[str]                                   # tier keys by level
    edges: list[tuple[str, str, str]]                  # (staff, client, tier), active on the day
    values: dict[str, float | None] = field(default_factory=dict)   # client -> value

    @classmethod
    def from_rows(cls, tiers: list[str], rows: list[dict[str, Any]]) -> "CoverageExtract":
        """From the rows of the active_coverage extraction (staff, client, tier, value)."""
        return cls(tiers, [(r["staff"], r["client"], r["tier"]) for r in rows], {r["client"]: r["value"] for r in rows})

    def covered_tiers(self) -> dict[str, dict[str, set[str]]]:
        out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for staff, client, tier in self.edges:
            out[client][tier].add(staff)
        return out


def truck_factor(extract: CoverageExtract, by: str, policy: Policy) -> list[dict[str, Any]]:
    """Greedy removal of the staff whose departure newly orphans the most measure, until truck_target is reached."""
    if by not in ("count", "value"):
        raise ParameterError(f"truck_factor: by must be 'count' or 'value', got {by!r}")
    covered = extract.covered_tiers()
    full = sorted(c for c, tiers in covered.items() if all(tiers.get(k) for k in extract.tiers))
    measure = {c: (1.0 if by == "count" else float(extract.values.get(c) or 0.0)) for c in full}
    total = sum(measure[c] for c in full)
    if total <= 0:
        return []
    load: dict[str, set[str]] = defaultdict(set)                      # every client actively covered
    for staff, client, _ in extract.edges:
        load[staff].add(client)
    remaining = {c: {k: set(covered[c][k]) for k in extract.tiers} for c in full}
    clients_of: dict[str, set[str]] = defaultdict(set)                 # among the fully covered ones
    # sole[s]: the clients not yet orphaned where s is the only one left at some tier; removing s orphans
    # exactly these, so s's gain is their measure. Kept up to date as people are removed (each removal
    # touches only the clients of the removed person), instead of re-deriving every gain each step.
    sole: dict[str, set[str]] = defaultdict(set)
    for c in full:
        for staff_set in remaining[c].values():
            for s in staff_set:
                clients_of[s].add(c)
            if len(staff_set) == 1:
                (only,) = staff_set
                sole[only].add(c)
    orphaned_clients: set[str] = set()

    def gain(s: str) -> float:
        # Clients summed in sorted order so float sums are the same however we got here.
        return sum(measure[c] for c in sorted(sole[s]))

    gains = {s: gain(s) for s in clients_of}
    rows: list[dict[str, Any]] = []
    orphaned = 0.0
    target = policy.truck_target * total
    while gains and orphaned < target:
        best = min(gains, key=lambda s: (-gains[s], -len(load[s]), s))
        newly = sorted(sole[best])
        changed: set[str] = set()
        for c in clients_of[best]:
            for staff_set in remaining[c].values():
                if best not in staff_set:
                    continue
                staff_set.discard(best)
                if len(staff_set) == 1 and c not in orphaned_clients:
                    (only,) = staff_set
                    if c not in sole[only]:
                        sole[only].add(c)
                        changed.add(only)
        for c in newly:
            orphaned_clients.add(c)
            for staff_set in remaining[c].values():
                for s in staff_set:
                    if c in sole[s]:
                        sole[s].discard(c)
                        changed.add(s)
        orphaned += sum(measure[c] for c in newly)
        del gains[best]
        for s in changed:
            if s in gains:
                gains[s] = gain(s)
        # A sum of money: exact float sum, then float noise dropped (0.1 + 0.2 shows as 0.3, not 0.30000000000000004).
        shown = round(math.fsum(measure[c] for c in orphaned_clients), 6) if by == "value" else int(orphaned)
        rows.append({"step": len(rows) + 1, "staff": best, "orphaned": shown,
                     "orphaned_share": round3(orphaned / total)})
    return rows


def coverage_graph(extract: CoverageExtract) -> nx.Graph:
    """Undirected staff–client graph of active coverage edges (nodes are ('Staff', id) / ('Client', id))."""
    graph = nx.Graph()
    graph.add_edges_from((("Staff", staff), ("Client", client)) for staff, client, _ in extract.edges)
    return graph


def brokers(extract: CoverageExtract) -> list[dict[str, Any]]:
    """Staff who are articulation points, with how much the coverage graph falls apart without them.

    Uses the block-cut tree: removing an articulation point v splits its tree component into
    one piece per neighbouring block subtree, so piece sizes come from one pass of subtree sums
    instead of one connected-components run per articulation point.
    """
    graph = coverage_graph(extract)
    # One depth-first pass: the articulation points are the nodes that belong to two or more blocks.
    blocks = list(nx.biconnected_components(graph))
    seen: set = set()
    cut_points: set = set()
    for block in blocks:
        cut_points |= block & seen
        seen |= block
    if not cut_points:
        return []
    tree = nx.Graph()
    weight: dict[Any, tuple[int, int]] = {}     # tree node -> (original nodes, clients) it stands for
    for v in cut_points:
        weight[("A", v)] = (1, 1 if v[0] == "Client" else 0)
        tree.add_node(("A", v))
    for n, block in enumerate(blocks):
        inner = [v for v in block if v not in cut_points]
        weight[("B", n)] = (len(inner), sum(1 for v in inner if v[0] == "Client"))
        for v in block:
            if v in cut_points:
                tree.add_edge(("B", n), ("A", v))
    rows = []
    for component in nx.connected_components(tree):
        root = min(component, key=repr)
        parent = nx.dfs_predecessors(tree, root)
        order = list(nx.dfs_preorder_nodes(tree, root))
        sub: dict[Any, list[int]] = {x: list(weight[x]) for x in order}
        for x in reversed(order):
            if x in parent:
                p = parent[x]
                sub[p][0] += sub[x][0]
                sub[p][1] += sub[x][1]
        total_nodes, total_clients = sub[root]
        children: dict[Any, list[Any]] = defaultdict(list)
        for x, p in parent.items():
            children[p].append(x)
        for x in order:
            if x[0] != "A" or x[1][0] != "Staff":
                continue
            pieces = [tuple(sub[c]) for c in children[x]]
            if x in parent:
                pieces.append((total_nodes - sub[x][0], total_clients - sub[x][1]))
            pieces = [p for p in pieces if p[0] > 0]
            if len(pieces) < 2:
                continue
            largest = max(pieces)            # by node count, then by client count
            rows.append({"staff": x[1][1], "split": len(pieces) - 1, "clients_cut_off": total_clients - largest[1]})
    rows.sort(key=lambda r: (-r["split"], r["staff"]))
    return rows


def truck_factor_report(rows: list[dict[str, Any]], bound, tiers) -> list[dict[str, Any]]:
    """The truck_factor report from the active_coverage extraction, on either store."""
    return truck_factor(CoverageExtract.from_rows(tiers(), rows), bound.values["by"], bound.policy)


def brokers_report(rows: list[dict[str, Any]], bound, tiers) -> list[dict[str, Any]]:
    """The brokers report from the active_coverage extraction, on either store."""
    return brokers(CoverageExtract.from_rows(tiers(), rows))

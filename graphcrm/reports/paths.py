"""Who knows whom (report path, DESIGN 12): the embedded twin of the extraction, and the three best chains.

Both stores extract the same neighbourhood (cypher/reports/path_graph.cypher, or `path_graph` here):
every edge touching the two ends or their neighbours - which holds every chain of up to 4 steps -
or, when those chains are fewer than 3 and longer ones are allowed, the whole day's graph. `best_chains`
then ranks simple chains by (steps, larger strength, ids along the chain) with Yen's k-shortest
paths, whose every search is a lexicographic shortest path (steps first, so breadth-first layers).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from datetime import date, timedelta, tzinfo
from typing import Any
from weakref import WeakKeyDictionary

from graphcrm.errors import ParameterError
from graphcrm.graphindex import GraphIndex
from graphcrm.queries import Bound
from graphcrm.reports.registry import Rows, twin
from graphcrm.rules import round3, span_active, staff_active, window_moments
from graphcrm.times import DayClock, micros

__all__ = ["path_graph", "path_report", "best_chains"]

Node = tuple[str, str]                       # (label, id)
_DAYS: "WeakKeyDictionary[GraphIndex, dict]" = WeakKeyDictionary()


class _Day:
    """Who knows whom on one day, indexed both ways (kept per index version, day and window)."""

    def __init__(self, g: GraphIndex, t: date, window: int, zone: tzinfo):
        self.g, self.t = g, t
        self.active = {sid for sid, s in g.staff.items() if staff_active(s, t)}
        # The window's interactions by moment (the source's index), each on its calendar day in the organisation's zone.
        start, end = window_moments(t, window, zone)
        clock, t_ordinal = DayClock(zone, t - timedelta(days=window), t), t.toordinal()
        shared: dict[tuple[str, str], float] = defaultdict(float)
        for client, us, staff in g.source.window(micros(start), micros(end)):
            if client not in g.clients:
                continue
            weight = 0.5 ** ((t_ordinal - clock.ordinal(us)) / 30)
            for sid in staff:
                if sid in self.active:
                    shared[(sid, client)] += weight
        self.knows = {pair: round3(total) for pair, total in shared.items()}
        self.known_by_staff: dict[str, set[str]] = defaultdict(set)
        self.known_by_client: dict[str, set[str]] = defaultdict(set)
        for sid, client in self.knows:
            self.known_by_staff[sid].add(client)
            self.known_by_client[client].add(sid)

    def edges_of(self, node: Node) -> set[tuple[Node, Node]]:
        """The edges touching `node`, each as (staff or team end, client or team end)."""
        g, t, label, key = self.g, self.t, node[0], node[1]
        out: set[tuple[Node, Node]] = set()
        if label == "Staff" and key in self.active:
            for c in g.coverage_by_staff.get(key, {}).values():
                if c.client in g.clients and span_active(c.since, c.until, t):
                    out.add((node, ("Client", c.client)))
            out |= {(node, ("Client", c)) for c in self.known_by_staff.get(key, ())}
            for m in g.memberships_by_staff.get(key, {}).values():
                if m.team in g.teams and span_active(m.since, m.until, t):
                    out.add((node, ("Team", m.team)))
        elif label == "Client":
            for c in g.coverage_by_client.get(key, {}).values():
                if c.staff in self.active and span_active(c.since, c.until, t):
                    out.add((("Staff", c.staff), node))
            out |= {(("Staff", s), node) for s in self.known_by_client.get(key, ())}
            for e in g.engagements_by_client.get(key, {}).values():
                if e.team in g.teams and span_active(e.since, e.until, t):
                    out.add((("Team", e.team), node))
        elif label == "Team":
            for m in g.memberships_by_team.get(key, {}).values():
                if m.staff in self.active and span_active(m.since, m.until, t):
                    out.add((("Staff", m.staff), node))
            for e in g.engagements_by_team.get(key, {}).values():
                if e.client in g.clients and span_active(e.since, e.until, t):
                    out.add((node, ("Client", e.client)))
        return out

    def name(self, node: Node) -> str | None:
        table = {"Staff": self.g.staff, "Client": self.g.clients, "Team": self.g.teams}[node[0]]
        return table[node[1]].name


def _day(g: GraphIndex, t: date, window: int, zone: tzinfo) -> _Day:
    cache = _DAYS.setdefault(g, {})
    key = (g.version, t, window, zone)
    if key not in cache:
        cache.clear()                       # one day at a time: a new version or day replaces it
        cache[key] = _Day(g, t, window, zone)
    return cache[key]


def _chains_up_to_four(a: Node, b: Node, near: set[Node], edges: set[tuple[Node, Node]]) -> int:
    """How many simple chains of at most 4 steps join a and b, counted as path_graph.cypher counts them."""
    adjacent: dict[Node, set[Node]] = defaultdict(set)
    for p, q in edges:
        adjacent[p].add(q)
        adjacent[q].add(p)
    ia = {x for x in near if x in adjacent[a]}
    ib = {x for x in near if x in adjacent[b]}
    count = int(b in adjacent[a]) + len(ia & ib)
    count += sum(1 for p, q in edges if p in ia and q in ib) + sum(1 for p, q in edges if q in ia and p in ib)
    for m, around in adjacent.items():
        if m in (a, b):
            continue
        count += len(around & ia) * len(around & ib) - len(around & ia & ib)
    return count


@twin("path_graph")
def path_graph(g: GraphIndex, bound: Bound) -> Rows:
    """Twin of cypher/reports/path_graph.cypher: the ends found by id, then the edges around them (or all)."""
    t, values = bound.as_of, bound.values
    day = _day(g, t, bound.policy.concentration_window_days, bound.policy.zone)
    found = {key: [(label, key) for label, table in (("Staff", g.staff), ("Client", g.clients), ("Team", g.teams))
                   if key in table] for key in (values["from"], values["to"])}
    rows: Rows = [{"kind": "node", "source": n[1], "source_label": n[0], "source_name": day.name(n), "target": None,
                   "target_label": None, "target_name": None, "via": None, "strength": None}
                  for n in {n for nodes in found.values() for n in nodes}]
    froms, tos = found[values["from"]], found[values["to"]]
    edges: set[tuple[Node, Node]] = set()
    if len(froms) == 1 and len(tos) == 1 and froms[0] != tos[0]:
        a, b = froms[0], tos[0]
        around = {end: {q if p == end else p for p, q in day.edges_of(end)} - {a, b} for end in (a, b)}
        near = around[a] | around[b]
        for node in (a, b, *near):
            edges |= day.edges_of(node)
        if (values["max_hops"] > 4 and around[a] and around[b]
                and _chains_up_to_four(a, b, near, edges) < 3):
            edges = {e for sid in day.active for e in day.edges_of(("Staff", sid))}
            edges |= {e for team in g.teams for e in day.edges_of(("Team", team)) if e[1][0] == "Client"}
    for p, q in edges:
        knows = p[0] == "Staff" and q[0] == "Client" and (p[1], q[1]) in day.knows
        via = "knows" if knows else "engagement" if p[0] == "Team" else "membership" if q[0] == "Team" else "coverage"
        rows.append({"kind": "edge", "source": p[1], "source_label": p[0], "source_name": day.name(p), "target": q[1],
                     "target_label": q[0], "target_name": day.name(q), "via": via,
                     "strength": day.knows.get((p[1], q[1]), 0.0) if p[0] == "Staff" and q[0] == "Client" else 0.0})
    rows.sort(key=lambda r: (r["kind"], r["source_label"], r["source"], r["target_label"] is None,
                             r["target_label"] or "", r["target"] is None, r["target"] or ""))
    return rows


# -- ranking the chains --------------------------------------------------------------------------------------
def _ends(rows: Rows, values: dict[str, Any]) -> tuple[Node, Node]:
    nodes = [(r["source_label"], r["source"]) for r in rows if r["kind"] == "node"]
    ends = []
    for param in ("from", "to"):
        matching = [n for n in nodes if n[1] == values[param]]
        if not matching:
            raise ParameterError(f"path: {param}: no person, client or team has the id {values[param]!r}")
        if len(matching) > 1:
            raise ParameterError(f"path: {param}: {values[param]!r} names a {' and a '.join(n[0] for n in matching)}")
        ends.append(matching[0])
    if ends[0] == ends[1]:
        raise ParameterError("path: from and to are the same")
    return ends[0], ends[1]


def best_chains(adjacent: dict[Node, dict[Node, int]], a: Node, b: Node, max_hops: int, k: int = 3) -> list[list[Node]]:
    """The k best simple chains from a to b of at most max_hops steps: fewer steps, then the larger sum of
    strengths (thousandths, on the edges), then the smaller sequence of ids (labels break ties)."""

    def key(chain: list[Node]) -> tuple:
        strength = sum(adjacent[x][y] for x, y in zip(chain, chain[1:]))
        return (len(chain) - 1, -strength, [(n[1], n[0]) for n in chain])

    first = _best(adjacent, a, b, set(), set(), max_hops)
    if first is None:
        return []
    chosen = [first]
    candidates: list = []
    offered = {tuple(first)}
    while len(chosen) < k:
        last = chosen[-1]
        for i in range(len(last) - 1):
            root = last[:i + 1]
            banned_edges = {(c[i], c[i + 1]) for c in chosen if c[:i + 1] == root}
            spur = _best(adjacent, last[i], b, set(root[:-1]), banned_edges, max_hops - i)
            if spur is not None:
                chain = root[:-1] + spur
                if tuple(chain) not in offered:
                    offered.add(tuple(chain))
                    heapq.heappush(candidates, (key(chain), chain))
        if not candidates:
            break
        chosen.append(heapq.heappop(candidates)[1])
    return chosen


def _best(adjacent, start: Node, end: Node, banned: set, banned_edges: set, limit: int) -> list[Node] | None:
    """The best chain from start to end avoiding `banned` nodes and edges, of at most `limit` steps."""
    if start in banned:
        return None
    distance = {end: 0}
    layer = [end]
    while layer and start not in distance:              # steps to `end`, breadth-first from it
        following = []
        for node in layer:
            if distance[node] >= limit:
                continue
            for other in adjacent[node]:
                if other not in distance and other not in banned and (other, node) not in banned_edges:
                    distance[other] = distance[node] + 1
                    following.append(other)
        layer = following
    if start not in distance:
        return None
    # Along the shortest-step edges, the best rest of the chain from each node: (-strength, ids), nearest first.
    best: dict[Node, tuple] = {end: (0, [(end[1], end[0])], [end])}
    for node in sorted((n for n in distance if 0 < distance[n] <= distance[start]), key=lambda n: distance[n]):
        options = []
        for other in adjacent[node]:
            if distance.get(other) == distance[node] - 1 and other in best and (node, other) not in banned_edges:
                strength, ids, chain = best[other]
                options.append((strength - adjacent[node][other], [(node[1], node[0])] + ids, [node] + chain))
        if options:
            best[node] = min(options, key=lambda o: (o[0], o[1]))
    return best[start][2] if start in best else None


def path_report(rows: Rows, bound: Bound, tiers) -> Rows:
    """path from the path_graph rows, on either store (the registry entry's `finish`)."""
    values = bound.values
    if values["max_hops"] < 1:
        raise ParameterError(f"path: max_hops must be at least 1, got {values['max_hops']}")
    a, b = _ends(rows, values)
    adjacent: dict[Node, dict[Node, int]] = defaultdict(dict)
    names: dict[Node, str | None] = {}
    via: dict[frozenset, str] = {}
    for r in rows:
        p = (r["source_label"], r["source"])
        names[p] = r["source_name"]
        if r["kind"] != "edge":
            continue
        q = (r["target_label"], r["target"])
        names[q] = r["target_name"]
        milli = int(round((r["strength"] or 0.0) * 1000))
        adjacent[p][q] = adjacent[q][p] = milli
        via[frozenset((p, q))] = r["via"]
    out: Rows = []
    for rank, chain in enumerate(best_chains(adjacent, a, b, values["max_hops"]), start=1):
        steps = [{"id": n[1], "name": names.get(n), "label": n[0],
                  "via": via[frozenset((chain[i - 1], n))] if i else None} for i, n in enumerate(chain)]
        strength = sum(adjacent[x][y] for x, y in zip(chain, chain[1:]))
        out.append({"rank": rank, "hops": len(chain) - 1, "strength": round3(strength / 1000), "steps": steps})
    return out

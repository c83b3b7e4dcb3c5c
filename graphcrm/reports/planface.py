"""The planner's exact path when capacity binds: a relaxed network, its optimal face, and the smallest plan in it.

When `planfast` cannot give every client its best candidates, someone's capacity binds in every
best plan, so that person ends at utilisation 1 and criterion 4 ties all best plans (see
`planflow.solve`). What remains is criteria 1-3, then 5:

* The relaxed network R: clients with special candidates (strength or team) keep their own node and
  special edges; the others are pooled by weight; every generic unit goes through one hub to any
  candidate. R is small (thousands of edges, not hundreds of thousands), and every plan maps onto
  an R flow of the same value, so R's optimum bounds every plan.
* networkx solves R; node potentials (Bellman-Ford on its residual graph) give the optimal face:
  an edge with negative reduced cost is full in every optimum, one with positive reduced cost empty,
  the others free. A plan is best exactly when its R image lies in that face and reaches the bound.
* `_Network` is the plan at pair level inside those bounds: realised from R's flow (pooled clients
  filled in id order, generic pairs by augmenting paths), then criterion 5 by settling pairs in
  (client, staff) order, each through an alternating cycle in the residual graph. If the bound
  cannot be realised, `build` returns None and the whole network decides.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from graphcrm.reports.planflow import Scale, TierProblem

__all__ = ["FaceTier"]


class FaceTier:
    """One tier planned through the relaxed network's optimal face (capacities = spare)."""

    def __init__(self, problem: TierProblem, network: "_Network", value: int):
        self.problem, self.network, self.value = problem, network, value

    @classmethod
    def build(cls, problem: TierProblem) -> "FaceTier | None":
        scale = Scale.for_problem(problem)
        people = sorted(s for s, r in problem.room.items() if r.spare > 0)
        specials: dict[str, list[str]] = {}
        for (client, sid) in sorted(problem.special):
            if problem.room[sid].spare > 0:
                specials.setdefault(client, []).append(sid)
        slots = sum(problem.units.values())
        graph = nx.DiGraph()
        graph.add_node("S", demand=-slots)
        graph.add_node("T", demand=slots)
        graph.add_edge("S", "T", capacity=slots, weight=0)
        pooled: dict[int, int] = {}
        for client, units in problem.units.items():
            unit = -(scale.count + problem.weight[client] * scale.weight)
            if client in specials:
                graph.add_edge("S", ("c", client), capacity=units, weight=unit)
                graph.add_edge(("c", client), "H", capacity=units, weight=0)
                for sid in specials[client]:
                    strength, team = problem.special[(client, sid)]
                    graph.add_edge(("c", client), ("s", sid), capacity=1, weight=-(strength * scale.strength + team))
            else:
                pooled[problem.weight[client]] = pooled.get(problem.weight[client], 0) + units
        for weight, units in pooled.items():
            graph.add_edge("S", ("K", weight), capacity=units, weight=-(scale.count + weight * scale.weight))
            graph.add_edge(("K", weight), "H", capacity=units, weight=0)
        for sid in people:
            graph.add_edge("H", ("s", sid), capacity=problem.room[sid].spare, weight=0)
            graph.add_edge(("s", sid), "T", capacity=problem.room[sid].spare, weight=0)
        cost, flow = nx.network_simplex(graph)
        potential = _potentials(graph, flow)
        network = _Network(problem, people, specials, graph, flow, potential)
        if not network.realise():
            return None
        return cls(problem, network, -cost)

    def plan(self) -> list[tuple[str, str]] | None:
        self.network.smallest_first()
        return self.network.pairs() if self.network.check() else None


def _potentials(graph: nx.DiGraph, flow: dict) -> dict:
    """Shortest distances in the residual graph of an optimal flow: reduced costs of residual edges are >= 0."""
    residual = nx.DiGraph()
    residual.add_nodes_from(graph)
    for u, v, data in graph.edges(data=True):
        f = flow[u][v]
        if f < data["capacity"]:
            residual.add_edge(u, v, weight=data["weight"])
        if f > 0:
            residual.add_edge(v, u, weight=-data["weight"])
    residual.add_node("root")
    for node in graph:
        residual.add_edge("root", node, weight=0)
    return nx.single_source_bellman_ford_path_length(residual, "root")


class _Network:
    """The plan at pair level, within the face's bounds: explicit edges with [low, high] and flow, plus the
    generic pairs (client's generic outlet -> staff's generic inlet), kept implicitly because they are many."""

    def __init__(self, problem: TierProblem, people: list[str], specials: dict[str, list[str]], graph, flow, potential):
        self.problem, self.people = problem, people
        self.edges: list[list] = []                          # [u, v, low, high, flow, client it belongs to or None]
        self.out: dict = {}
        self.into: dict = {}
        self.frozen: set = set()                             # client nodes settled for good
        self.holds: dict[str, set[str]] = {c: set() for c in problem.units}      # generic pairs
        self.at: dict[str, set[str]] = {s: set() for s in people}
        self.fixed: set[tuple[str, str]] = set()
        self.out_of_play: set[tuple[str, str]] = set()       # pairs of the current client ruled out
        self.barred = {c: set(problem.excluded.get(c, ())) | set(specials.get(c, ())) for c in problem.units}
        self.special_edge: dict[tuple[str, str], int] = {}
        self.specials = specials
        #: Everything reachable from a head in a search that failed. Settling, freezing and ruling out only
        #: take residual steps away, so the set stays a superset of what is reachable; moving flow around a
        #: cycle adds steps only at the cycle's nodes, so only the sets that touch them are dropped.
        self.reach: dict = {}
        self.within: dict = {}                               # node -> heads whose failed reach holds it

        def bounds(u, v):
            data = graph[u][v]
            reduced = data["weight"] + potential[u] - potential[v]
            cap = data["capacity"]
            return (cap, cap) if reduced < 0 else (0, 0) if reduced > 0 else (0, cap)

        def add(u, v, low, high, value):
            owner = next((x[1] for x in (u, v) if isinstance(x, tuple) and x[0] in ("c", "g")), None)
            self.edges.append([u, v, low, high, value, owner])
            self.out.setdefault(u, []).append(len(self.edges) - 1)
            self.into.setdefault(v, []).append(len(self.edges) - 1)
            return len(self.edges) - 1

        add("S", "T", *bounds("S", "T"), flow["S"]["T"])
        for client, units in problem.units.items():
            if client in specials:
                add("S", ("c", client), *bounds("S", ("c", client)), flow["S"][("c", client)])
                add(("c", client), ("g", client), *bounds(("c", client), "H"), flow[("c", client)]["H"])
                for sid in specials[client]:
                    self.special_edge[(client, sid)] = add(("c", client), ("s", sid), *bounds(("c", client), ("s", sid)),
                                                           flow[("c", client)][("s", sid)])
            else:
                weight = problem.weight[client]
                add(("K", weight), ("c", client), 0, units, 0)
                add(("c", client), ("g", client), 0, units, 0)
        for weight in {problem.weight[c] for c in problem.units if c not in specials}:
            low, high = bounds("S", ("K", weight))
            low2, high2 = bounds(("K", weight), "H")
            add("S", ("K", weight), max(low, low2), min(high, high2), flow["S"][("K", weight)])
        for sid in people:
            add(("h", sid), ("s", sid), *bounds("H", ("s", sid)), flow["H"][("s", sid)])
            add(("s", sid), "T", *bounds(("s", sid), "T"), flow[("s", sid)]["T"])

    # -- pair level from R's flow ----------------------------------------------------------------------
    def _edge(self, u, v) -> list:
        return next(self.edges[i] for i in self.out[u] if self.edges[i][1] == v)

    def realise(self) -> bool:
        """Pooled clients filled in id order to their pool's flow, then generic pairs matching each client's
        generic units to each person's generic intake exactly (greedy, then augmenting paths)."""
        problem = self.problem
        for weight in {problem.weight[c] for c in problem.units if c not in self.specials}:
            left = self._edge("S", ("K", weight))[4]
            for client in sorted(c for c in problem.units if c not in self.specials and problem.weight[c] == weight):
                take = min(left, problem.units[client])
                self._edge(("K", weight), ("c", client))[4] = take
                self._edge(("c", client), ("g", client))[4] = take
                left -= take
        intake = {s: self._edge(("h", s), ("s", s))[4] for s in self.people}
        for client in sorted(problem.units):
            for _ in range(self._edge(("c", client), ("g", client))[4]):
                sid = next((s for s in self.people if intake[s] > 0 and self._generic_ok(client, s)), None)
                if sid is None:
                    sid = self._augment(client, intake)
                    if sid is None:
                        return False
                self.holds[client].add(sid)
                self.at[sid].add(client)
                intake[sid] -= 1
        return True

    def _generic_ok(self, client: str, sid: str) -> bool:
        return sid not in self.barred[client] and sid not in self.holds[client] and (client, sid) not in self.out_of_play

    def _augment(self, client: str, intake: dict[str, int]) -> str | None:
        """Make room for one more generic unit of `client`: client -> s -> client' -> s' ... -> someone with intake."""
        parent: dict = {("g", client): None}
        unseen = set(self.people)
        queue = deque([client])
        while queue:
            c = queue.popleft()
            for sid in list(unseen):
                if not self._generic_ok(c, sid):
                    continue
                unseen.discard(sid)
                parent[("h", sid)] = c
                if intake[sid] > 0:
                    while parent[("h", sid)] != client:     # shift the chain; `client` takes the first staff
                        holder = parent[("h", sid)]
                        previous = parent[("g", holder)]
                        self.holds[holder].add(sid)
                        self.at[sid].add(holder)
                        self.holds[holder].discard(previous)
                        self.at[previous].discard(holder)
                        intake[sid] -= 1
                        intake[previous] += 1
                        sid = previous
                    return sid
                for other in self.at[sid]:
                    if ("g", other) not in parent:
                        parent[("g", other)] = sid
                        queue.append(other)
        return None

    # -- criterion 5 -------------------------------------------------------------------------------------
    def smallest_first(self) -> None:
        # Units a person is committed to: pairs settled, and special pairs every best plan has (low = 1).
        committed: dict[str, int] = {s: 0 for s in self.people}
        for (client, sid), i in self.special_edge.items():
            committed[sid] += self.edges[i][2]
        room = {s: self._edge(("s", s), "T")[3] for s in self.people}
        for client in sorted(self.problem.units):
            self.out_of_play = set()
            generic_edge = self._edge(("c", client), ("g", client))
            inbound = self.edges[self.into[("c", client)][0]]
            settled = 0
            for sid in self.people:
                if settled >= inbound[3]:
                    break                                            # every unit it can have is settled
                if (client, sid) in self.special_edge:
                    edge = self.edges[self.special_edge[(client, sid)]]
                    if edge[2] == 1:                                 # in every best plan: settled already
                        settled += 1
                    elif edge[3] == 1 and committed[sid] < room[sid] and (
                            edge[4] == 1 or self._cycle(("c", client), ("s", sid), special=edge)):
                        edge[2] = 1
                        settled += 1
                        committed[sid] += 1
                elif generic_edge[3] > 0 and sid not in self.barred[client] and committed[sid] < room[sid]:
                    if sid in self.holds[client] or self._cycle(("g", client), ("h", sid)):
                        self.fixed.add((client, sid))
                        settled += 1
                        committed[sid] += 1
                    else:
                        self.out_of_play.add((client, sid))
            self.frozen.add(client)

    def _closed_behind(self, tail) -> set | None:
        """Every node with a residual path into `tail`, when that set is small and stays away from the hubs
        (then a search from the head can be decided without walking the whole network); else None."""
        seen, queue = {tail}, deque([tail])
        while queue:
            node = queue.popleft()
            if node in ("S", "T") or node[0] == "h":
                return None
            before = []
            for i in self.into.get(node, ()):
                u, v, low, high, value, owner = self.edges[i]
                if value < high and owner not in self.frozen:
                    before.append(u)
            for i in self.out.get(node, ()):
                u, v, low, high, value, owner = self.edges[i]
                if value > low and owner not in self.frozen:
                    before.append(v)
            if node[0] == "g" and node[1] not in self.frozen:
                before += [("h", sid) for sid in self.holds[node[1]] if (node[1], sid) not in self.fixed]
            for previous in before:
                if previous not in seen:
                    seen.add(previous)
                    queue.append(previous)
            if len(seen) > 64:
                return None
        return seen

    def _cycle(self, tail, head, special=None) -> bool:
        """Push one unit over tail -> head (a special edge, or a generic pair) and return it from head to tail.

        Breadth-first over the residual graph (the steps `_residual` lists), written out inline: it runs
        for every pair the greedy weighs, tens of thousands of times at size M.
        """
        # What a failed search reached from another head, it reaches from here too: if the tail was not in it
        # then, it is not reachable now.
        if any(tail not in self.reach[h] for h in self.within.get(head, ())):
            return False
        behind = self._closed_behind(tail)
        if behind is not None and head not in behind:
            return False                   # nothing leads back to the tail from where the unit arrives
        edges, out, into, frozen, fixed, at = self.edges, self.out, self.into, self.frozen, self.fixed, self.at
        # The residual steps into the tail: a search stops as soon as it reaches one of their starts.
        last_step: dict = {}
        for i in into.get(tail, ()):
            e = edges[i]
            if e[4] < e[3] and e[5] not in frozen:
                last_step.setdefault(e[0], (i, 1))
        for i in out.get(tail, ()):
            e = edges[i]
            if e[4] > e[2] and e[5] not in frozen:
                last_step.setdefault(e[1], (i, -1))
        if tail[0] == "g":
            for sid in self.holds[tail[1]]:
                if (tail[1], sid) not in fixed:
                    last_step.setdefault(("h", sid), ("give", tail[1], sid))
        parent: dict = {head: None}
        unseen: set | None = None
        queue = deque([head])
        found = head in last_step
        if found:
            parent[tail] = (head, last_step[head])
        elif head[0] == "h" and tail[0] == "g":
            found = self._swap(head, tail, last_step, parent)
        while queue and not found:
            node = queue.popleft()
            steps = []
            for i in out.get(node, ()):
                e = edges[i]
                if e[4] < e[3] and e[5] not in frozen:
                    steps.append((e[1], (i, 1)))
            for i in into.get(node, ()):
                e = edges[i]
                if e[4] > e[2] and e[5] not in frozen:
                    steps.append((e[0], (i, -1)))
            if node[0] == "g" and node[1] not in frozen:
                if unseen is None:
                    unseen = {s for s in self.people if ("h", s) not in parent}
                client = node[1]
                for sid in list(unseen):
                    if self._generic_ok(client, sid):
                        unseen.discard(sid)
                        steps.append((("h", sid), ("take", client, sid)))
            elif node[0] == "h":
                sid = node[1]
                for client in at.get(sid, ()):
                    if (client, sid) not in fixed and client not in frozen:
                        steps.append((("g", client), ("give", client, sid)))
            for nxt, how in steps:
                if nxt in parent:
                    continue
                parent[nxt] = (node, how)
                if nxt[0] == "h" and unseen is not None:
                    unseen.discard(nxt[1])
                if nxt == tail:
                    found = True
                    break
                if nxt in last_step:
                    parent[tail] = (nxt, last_step[nxt])
                    found = True
                    break
                queue.append(nxt)
        if not found:
            self.reach[head] = seen = set(parent)
            for node in seen:
                self.within.setdefault(node, set()).add(head)
            return False
        # Moving a unit around the cycle opens the reverse of each of its steps (and of the pair itself). A
        # failed search's reach stays a superset unless one of those new steps leaves it.
        opened = [(head, tail)]
        node = tail
        while parent[node] is not None:
            previous = parent[node][0]
            opened.append((node, previous))
            node = previous
        for h in [h for h, seen in self.reach.items() if any(x in seen and y not in seen for x, y in opened)]:
            for node in self.reach.pop(h):
                self.within[node].discard(h)
        self._apply(parent, tail)
        if special is not None:
            special[4] += 1
        else:
            self.holds[tail[1]].add(head[1])
            self.at[head[1]].add(tail[1])
            self.fixed.add((tail[1], head[1]))
        return True

    def _swap(self, head, tail, last_step: dict, parent: dict) -> bool:
        """The common short cycles of a generic pair, tried before a search: the new person has room (the client
        gives up one of its people), or someone they hold can take one of the client's people instead."""
        sid = head[1]
        mine = [s for s in self.holds[tail[1]] if (tail[1], s) not in self.fixed]
        into_s = self._edge(head, ("s", sid))
        to_sink = self._edge(("s", sid), "T")
        if into_s[4] < into_s[3] and to_sink[4] < to_sink[3]:
            for other in mine:
                back = self._edge(("s", other), "T")
                inlet = self._edge(("h", other), ("s", other))
                if back[4] > back[2] and inlet[4] > inlet[2]:
                    parent[("s", sid)] = (head, (self._index(head, ("s", sid)), 1))
                    parent["T"] = (("s", sid), (self._index(("s", sid), "T"), 1))
                    parent[("s", other)] = ("T", (self._index(("s", other), "T"), -1))
                    parent[("h", other)] = (("s", other), (self._index(("h", other), ("s", other)), -1))
                    parent[tail] = (("h", other), last_step[("h", other)])
                    return True
        for holder in self.at.get(sid, ()):
            if (holder, sid) in self.fixed or holder in self.frozen or holder == tail[1]:
                continue
            for other in mine:
                if self._generic_ok(holder, other):
                    parent[("g", holder)] = (head, ("give", holder, sid))
                    parent[("h", other)] = (("g", holder), ("take", holder, other))
                    parent[tail] = (("h", other), last_step[("h", other)])
                    return True
        return False

    def _index(self, u, v) -> int:
        return next(i for i in self.out[u] if self.edges[i][1] == v)

    def _apply(self, parent: dict, node) -> None:
        while parent[node] is not None:
            previous, how = parent[node]
            if how[0] == "take":
                self.holds[how[1]].add(how[2])
                self.at[how[2]].add(how[1])
            elif how[0] == "give":
                self.holds[how[1]].discard(how[2])
                self.at[how[2]].discard(how[1])
            else:
                self.edges[how[0]][4] += how[1]
            node = previous

    def check(self) -> bool:
        """Bounds hold, flow is conserved, and generic pairs are allowed and distinct."""
        balance: dict = {}
        for u, v, low, high, value, _ in self.edges:
            if not low <= value <= high:
                return False
            balance[u] = balance.get(u, 0) - value
            balance[v] = balance.get(v, 0) + value
        for client, held in self.holds.items():
            if held & self.barred[client]:
                return False
            balance[("g", client)] = balance.get(("g", client), 0) - len(held)
            for sid in held:
                balance[("h", sid)] = balance.get(("h", sid), 0) + 1
        return all(n == 0 for node, n in balance.items() if node not in ("S", "T"))

    def pairs(self) -> list[tuple[str, str]]:
        out = [(c, s) for c, held in self.holds.items() for s in held]
        out += [pair for pair, i in self.special_edge.items() if self.edges[i][4] == 1]
        return sorted(out)

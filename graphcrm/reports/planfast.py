"""The planner's fast exact path: when every slot can be filled and every client can have its best candidates.

The whole network of `planflow.solve_full` has one edge per (client, candidate) pair - half a
million in one tier at size M - which networkx cannot solve in seconds. Most of those pairs are
alike: a candidate who neither knows the client nor shares a team with it adds only the slot's
own weight. So:

* An upper bound on any plan's value (criteria 1-3): every slot filled, and each client given its
  best "special" candidates (strength or team). A plan reaching it is optimal, and the plans that
  reach it are exactly those where each client takes its `forced` specials (better than its
  m-th best), `ties` of its tied specials (equal to the m-th best), and the rest `generic` people
  (candidates who are not special for it). `FastTier.build` certifies the bound by finding such a
  plan; when there is none (capacity binds), it returns None and the whole network decides.
* Whether such a plan fits under capacities is a bipartite b-matching (each client's tie and
  generic "ports" need exact counts from their own candidates): `_Assignment.fill` is Ford-Fulkerson,
  greedy first and then augmenting paths, so it fails only when no plan fits (exact).
* Criterion 4: the least utilisation level at which such a plan still fits (binary search).
* Criterion 5: the lexicographically smallest sorted list, by the greedy that takes each
  (client, staff) pair in order when some best plan contains it together with every pair already
  taken - the exact feasibility test being an alternating cycle through the pair in the current
  plan (pairs already taken stay).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction

from graphcrm.reports.planflow import Scale, TierProblem, caps_at, utilisation_levels

__all__ = ["FastTier"]

Port = tuple[str, str]          # (client, "tie" | "generic")


@dataclass
class _Shape:
    """One client's part of every best plan."""

    forced: list[str]
    ties: list[str]             # sorted
    tie_count: int
    generic_count: int
    barred: set[str]            # may not be a generic pick: covers the client already, or is special for it


class FastTier:
    """One tier's certified fast plan (see the module docstring)."""

    def __init__(self, problem: TierProblem):
        self.problem = problem
        scale = Scale.for_problem(problem)
        self.shapes: dict[str, _Shape] = {}
        by_client: dict[str, list[tuple[int, str]]] = {}
        for (client, sid), (strength, team) in problem.special.items():
            if problem.room[sid].spare > 0:
                by_client.setdefault(client, []).append((strength * scale.strength + team, sid))
        value = 0
        roomy = [s for s, r in problem.room.items() if r.spare > 0]
        for client, units in problem.units.items():
            # A client can fill no more slots than it has candidates (one slot each).
            units = min(units, sum(1 for s in roomy if s not in problem.excluded.get(client, ())))
            specials = sorted(by_client.get(client, ()), key=lambda vs: (-vs[0], vs[1]))
            take = min(units, len(specials))
            threshold = specials[take - 1][0] if take else None
            forced = [s for v, s in specials if threshold is not None and v > threshold]
            ties = sorted(s for v, s in specials if v == threshold)
            self.shapes[client] = _Shape(forced, ties, take - len(forced), units - take,
                                         set(problem.excluded.get(client, ())) | {s for _, s in specials})
            value += units * (scale.count + problem.weight[client] * scale.weight) + sum(v for v, _ in specials[:take])
        self.upper_bound = value
        self.certified_value: int | None = None

    @classmethod
    def build(cls, problem: TierProblem) -> "FastTier | None":
        """The fast path when the upper bound is reachable (certified by a plan that reaches it); else None."""
        if not problem.units:
            return None
        fast = cls(problem)
        if _Assignment.fill(fast, caps_at(problem, None)) is None:
            return None
        fast.certified_value = fast.upper_bound
        return fast

    def best_level(self) -> Fraction | None:
        """The least utilisation level under which a best plan still fits."""
        levels = utilisation_levels(self.problem)
        if not levels or not any(shape.forced or shape.tie_count or shape.generic_count for shape in self.shapes.values()):
            return None                                 # it fills nothing, so it loads nobody
        low, high = 0, len(levels) - 1
        while low < high:
            middle = (low + high) // 2
            if _Assignment.fill(self, caps_at(self.problem, levels[middle])) is not None:
                high = middle
            else:
                low = middle + 1
        return levels[low]

    def plan(self, caps: dict[str, int], value: int) -> list[tuple[str, str]] | None:
        """The lexicographically smallest best plan under `caps` (None: let the whole network decide)."""
        if value != self.certified_value:
            return None
        assignment = _Assignment.fill(self, caps)
        if assignment is None:
            return None
        assignment.smallest_first()
        return assignment.pairs() if assignment.check() else None


@dataclass
class _Assignment:
    """A plan in the making: who holds which port, the capacities left, and which pairs are settled."""

    fast: FastTier
    caps: dict[str, int]
    left: dict[str, int]
    holds: dict[Port, set[str]] = field(default_factory=dict)     # port -> staff
    at: dict[str, set[Port]] = field(default_factory=dict)        # staff -> ports holding them
    fixed: set[tuple[Port, str]] = field(default_factory=set)
    fixed_at: dict[str, int] = field(default_factory=dict)        # staff -> settled pairs held
    people: list[str] = field(default_factory=list)               # everyone with room under the caps, by id

    # -- building a plan that fits (Ford-Fulkerson) ------------------------------------------------
    @classmethod
    def fill(cls, fast: FastTier, caps: dict[str, int]) -> "_Assignment | None":
        people = sorted(s for s, c in caps.items() if c > 0)
        left = {s: caps[s] for s in people}
        a = cls(fast, caps, left, at={s: set() for s in people}, people=people)
        for client in sorted(fast.shapes):
            for sid in fast.shapes[client].forced:
                if left.get(sid, 0) <= 0:
                    return None
                left[sid] -= 1
        for port, need in a.ports():
            a.holds[port] = set()
            for _ in range(need):
                sid = next((s for s in a.candidates(port) if left[s] > 0 and s not in a.holds[port]), None)
                if sid is not None:
                    a._take(port, sid)
                elif not a._augment(port):
                    return None
        return a

    def ports(self) -> list[tuple[Port, int]]:
        out = []
        for client in sorted(self.fast.shapes):
            shape = self.fast.shapes[client]
            if shape.tie_count:
                out.append(((client, "tie"), shape.tie_count))
            if shape.generic_count:
                out.append(((client, "generic"), shape.generic_count))
        return out

    def candidates(self, port: Port, among: set | None = None):
        """Who may fill this port, by id (whether or not they have room); with `among`, only those in it."""
        shape = self.fast.shapes[port[0]]
        if port[1] == "tie":
            return [s for s in shape.ties if s in self.left and (among is None or s in among)]
        pool = self.people if among is None else sorted(among)
        return [s for s in pool if s not in shape.barred]

    def _take(self, port: Port, sid: str) -> None:
        self.holds[port].add(sid)
        self.at[sid].add(port)
        self.left[sid] -= 1

    def _drop(self, port: Port, sid: str) -> None:
        self.holds[port].discard(sid)
        self.at[sid].discard(port)
        self.left[sid] += 1

    def _augment(self, port: Port) -> bool:
        """An augmenting path from `port` to someone with room: port -> s -> port' -> s' ... -> room."""
        parent: dict[object, object] = {port: None}
        queue = deque([port])
        unseen = set(self.left)
        while queue:
            node = queue.popleft()
            for sid in self.candidates(node, unseen):
                if sid in self.holds[node]:
                    continue
                unseen.discard(sid)
                parent[sid] = node
                if self.left[sid] > 0:
                    self._flip(parent, sid)
                    return True
                for holder in self.at[sid]:
                    if holder not in parent and (holder, sid) not in self.fixed:
                        parent[holder] = sid
                        queue.append(holder)
        return False

    def _flip(self, parent: dict, sid: str) -> None:
        """Apply the path ending at `sid`: each port on it takes the staff after it and gives up the one before."""
        while True:
            port = parent[sid]
            previous = parent[port]
            self._take(port, sid)
            if previous is None:
                return
            self._drop(port, previous)
            sid = previous

    # -- criterion 5: the smallest sorted list ------------------------------------------------------
    def smallest_first(self) -> None:
        """Settle pairs in (client, staff) order, each when a best plan holds it with every pair settled before."""
        needs: dict[str, dict[Port, int]] = {}
        for port, n in self.ports():
            needs.setdefault(port[0], {})[port] = n
        for client in sorted(self.fast.shapes):
            shape = self.fast.shapes[client]
            for sid in shape.forced:
                self.fixed_at[sid] = self.fixed_at.get(sid, 0) + 1
            need = needs.get(client, {})
            settled = {p: 0 for p in need}
            ties = set(shape.ties)
            for sid in self.people:
                if all(settled[p] == need[p] for p in need):
                    break
                port = (client, "tie") if sid in ties else (client, "generic")
                if port not in need or settled[port] == need[port]:
                    continue
                if port[1] == "generic" and sid in shape.barred:
                    continue
                if self.fixed_at.get(sid, 0) >= self.caps.get(sid, 0):
                    continue                       # full with pairs already settled
                if sid in self.holds[port] or self._cycle(port, sid):
                    self.fixed.add((port, sid))
                    self.fixed_at[sid] = self.fixed_at.get(sid, 0) + 1
                    settled[port] += 1

    def _cycle(self, port: Port, sid: str) -> bool:
        """Whether some best plan holds (port, sid) with every settled pair: an alternating cycle through it.

        The port takes `sid` and gives up one of its unsettled people; `sid` gives up an unsettled
        port or uses spare room; flow through the sink moves room between people.
        """
        mine = [s for s in self.holds[port] if (port, s) not in self.fixed]
        if not mine:
            return False
        if self.left[sid] > 0:                                      # room: swap one of the port's people for sid
            self._drop(port, max(mine))
            self._take(port, sid)
            return True
        # Breadth-first over the residual graph: staff -> ports holding them (give up), ports -> staff (take),
        # staff with room -> "sink" -> staff holding something (room moves); the cycle closes at one of `mine`.
        targets = set(mine)
        parent: dict[object, tuple[object, str]] = {sid: (None, "start")}
        unseen = set(self.left) - {sid}
        queue = deque([sid])
        while queue:
            node = queue.popleft()
            if node == "sink":
                for other in sorted(unseen):
                    if self.left[other] < self.caps[other]:
                        unseen.discard(other)
                        parent[other] = ("sink", "room")
                        if other in targets:
                            return self._close(parent, port, sid, other)
                        queue.append(other)
                continue
            if isinstance(node, str):                               # a staff member
                if self.left[node] > 0 and "sink" not in parent:
                    parent["sink"] = (node, "room")
                    queue.append("sink")
                for holder in self.at[node]:
                    if holder == port or holder in parent or (holder, node) in self.fixed:
                        continue
                    parent[holder] = (node, "give")
                    queue.append(holder)
            else:                                                   # a port: takes someone new
                for other in self.candidates(node, unseen):
                    if other in self.holds[node]:
                        continue
                    unseen.discard(other)
                    parent[other] = (node, "take")
                    if other in targets:
                        return self._close(parent, port, sid, other)
                    queue.append(other)
        return False

    def _close(self, parent: dict, port: Port, sid: str, last: str) -> None | bool:
        """Apply the cycle port -> sid ~> last -> port found by `_cycle`."""
        steps = []
        node = last
        while node != sid:
            previous, how = parent[node]
            steps.append((previous, node, how))
            node = previous
        for previous, node, how in steps:
            if how == "take":                       # port `previous` takes staff `node`, room taken below
                self.holds[previous].add(node)
                self.at[node].add(previous)
                self.left[node] -= 1
            elif how == "give":                     # staff `previous` gives up port `node`
                self.holds[node].discard(previous)
                self.at[previous].discard(node)
                self.left[previous] += 1
            # "room" steps only say room moved through the sink: the takes and gives above settle it
        self._drop(port, last)
        self._take(port, sid)
        return True

    def check(self) -> bool:
        """Every port holds exactly its count, nobody above their capacity, no pair twice, no barred pick."""
        used: dict[str, int] = {}
        for client, shape in self.fast.shapes.items():
            for sid in shape.forced:
                used[sid] = used.get(sid, 0) + 1
        for port, need in self.ports():
            held = self.holds.get(port, set())
            if len(held) != need:
                return False
            shape = self.fast.shapes[port[0]]
            if port[1] == "tie" and not held <= set(shape.ties):
                return False
            if port[1] == "generic" and held & shape.barred:
                return False
            for sid in held:
                used[sid] = used.get(sid, 0) + 1
        return all(n <= self.caps.get(s, 0) for s, n in used.items())

    def pairs(self) -> list[tuple[str, str]]:
        out = [(client, sid) for client, shape in self.fast.shapes.items() for sid in shape.forced]
        out += [(port[0], sid) for port, held in self.holds.items() for sid in held]
        return sorted(out)

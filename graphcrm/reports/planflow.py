"""The coverage planner's optimiser: a min-cost flow per tier that ranks whole plans lexicographically, exactly.

A plan fills slots (client c needs m_c more coverers of tier k) with candidates of that tier. The
plans are compared, in this order (DESIGN 10):

  1. more filled slots, then a larger sum of weight[grade] (with weights >= 0 the slots that can be
     filled together form a matroid, so a largest-weight plan is always a largest plan: putting
     the count first loses no weight and fills zero-weight slots when someone is free);
  2. a larger total relationship strength (thousandths, as the relationships report rounds it);
  3. more assignments to members of a team engaging the client;
  4. a lower largest utilisation after the plan among the people it gives clients;
  5. the smaller sorted list of (client, tier, staff).

Each tier is its own problem (a person has one tier and only fills slots of it), and 1-3 and 5 are
sums over tiers, so the global order is the order of each tier's parts - except 4, a maximum over
every tier: U* is the largest of the tiers' own best, and every tier then plans under U*.

Criteria 1-3 and 5 become one integer cost per (client, staff) edge, scaled so that a unit of a
criterion outweighs everything below it over a whole plan (`Scale`: each factor is one more than
the largest possible total of the criteria under it). Criterion 4 is a bottleneck, not a sum: a
threshold search finds the least U whose capacities (floor(U * capacity) - load) still reach the
best value of 1-3. Criterion 5 ranks the tier's candidate pairs by (client, staff) and gives the
pair of rank r a bonus 2^(N-1-r): one pair outweighs all the pairs after it together, so the
largest bonus sum is the lexicographically smallest sorted list.

`solve_full` is exact. Large problems go through `planfast` first (`plansolve.solve` chooses), which relaxes
the network to a handful of nodes and certifies its answer; whenever it cannot certify, the full network decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import floor

import networkx as nx

__all__ = ["Room", "TierProblem", "Scale", "solve_full", "utilisation_levels", "top_level", "caps_at"]


@dataclass(frozen=True)
class Room:
    """A candidate's room: how many new clients they may take, and what their utilisation is made of."""

    spare: int          # capacity - clients, never below 0
    load: int           # distinct clients actively covered now
    capacity: int       # capacity, or the policy's default_capacity


@dataclass
class TierProblem:
    """One tier's slots and candidates."""

    units: dict[str, int]                                  # client -> slots to fill (m_c > 0)
    weight: dict[str, int]                                 # client -> weight[grade]
    room: dict[str, Room]                                  # candidate staff of this tier (active, staying)
    excluded: dict[str, set[str]] = field(default_factory=dict)        # client -> staff who cover it already
    special: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (c, s) -> (strength milli, team 0/1)

    def allowed(self, client: str, staff: str) -> bool:
        return self.room[staff].spare > 0 and staff not in self.excluded.get(client, ())

    def pairs(self) -> list[tuple[str, str]]:
        """Every candidate (client, staff) pair, in (client, staff) order: the order of criterion 5."""
        people = sorted(s for s, r in self.room.items() if r.spare > 0)
        return [(c, s) for c in sorted(self.units) for s in people if s not in self.excluded.get(c, ())]


@dataclass(frozen=True)
class Scale:
    """Integer factors that make one unit of a criterion outweigh every plan-wide total below it.

    With D slots at most, strengths of at most `top` thousandths and weights of at most `heaviest`:
    team count <= D, so strength's factor is D + 1; strength * (D + 1) + team <= D * (top * (D + 1) + 1),
    so weight's factor is one more; and the count's factor one more than the largest weighted rest.
    Every factor is positive, so a plan with more of a higher criterion always costs less.
    """

    count: int
    weight: int
    strength: int

    @classmethod
    def for_problem(cls, problem: TierProblem) -> "Scale":
        slots = sum(problem.units.values())
        top = max((s for s, _ in problem.special.values()), default=0)
        heaviest = max(problem.weight.values(), default=0)
        strength = slots + 1
        weight = slots * (top * strength + 1) + 1
        count = slots * (heaviest * weight + top * strength + 1) + 1
        return cls(count, weight, strength)

    def value(self, problem: TierProblem, client: str, staff: str) -> int:
        strength, team = problem.special.get((client, staff), (0, 0))
        return self.count + problem.weight[client] * self.weight + strength * self.strength + team


def utilisation_levels(problem: TierProblem) -> list[Fraction]:
    """Every utilisation a candidate can reach with new clients, ascending: the thresholds criterion 4 tries."""
    levels = {Fraction(r.load + j, r.capacity) for r in problem.room.values() for j in range(1, r.spare + 1)}
    return sorted(levels)


def top_level(problem: TierProblem) -> Fraction | None:
    """The highest utilisation anyone can reach (the last of utilisation_levels), without listing them all."""
    tops = [Fraction(r.load + r.spare, r.capacity) for r in problem.room.values() if r.spare > 0]
    return max(tops) if tops else None


def caps_at(problem: TierProblem, level: Fraction | None) -> dict[str, int]:
    """New clients each candidate may take when no one may end above utilisation `level` (None: no limit)."""
    if level is None:
        return {s: r.spare for s, r in problem.room.items()}
    return {s: max(0, min(r.spare, floor(level * r.capacity) - r.load)) for s, r in problem.room.items()}


def solve_full(problem: TierProblem, caps: dict[str, int], ids: bool) -> tuple[int, list[tuple[str, str]]]:
    """The best plan of one tier on the whole network (one edge per candidate pair): its value and pairs.

    The value counts criteria 1-3 (and, with `ids`, criterion 5 below them). Exact for any size;
    slow when there are hundreds of thousands of pairs (then `planfast` answers first).
    """
    scale = Scale.for_problem(problem)
    pairs = [p for p in problem.pairs() if caps[p[1]] > 0]
    slots = sum(problem.units.values())
    if not pairs or not slots:
        return 0, []
    shift = len(pairs) if ids else 0
    graph = nx.DiGraph()
    graph.add_node("source", demand=-slots)
    graph.add_node("sink", demand=slots)
    graph.add_edge("source", "sink", capacity=slots, weight=0)          # slots left open
    for client, units in problem.units.items():
        graph.add_edge("source", ("c", client), capacity=units, weight=0)
    for rank, (client, staff) in enumerate(pairs):
        value = scale.value(problem, client, staff) << shift
        if ids:
            value += 1 << (shift - 1 - rank)
        graph.add_edge(("c", client), ("s", staff), capacity=1, weight=-value)
    for staff, cap in caps.items():
        if cap > 0:
            graph.add_edge(("s", staff), "sink", capacity=cap, weight=0)
    cost, flow = nx.network_simplex(graph)
    chosen = [(c, s) for c, s in pairs if flow[("c", c)].get(("s", s), 0)]
    return (-cost) >> shift, chosen

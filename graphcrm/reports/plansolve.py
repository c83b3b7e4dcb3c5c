"""The coverage plan of every tier: the first path that certifies itself (planfast, planface), else the whole network.

planflow holds the network and its exact solution; planfast and planface are the shortcuts built on it.
This module chooses among them, so none of the three needs to know the others (no import circle).
"""

from __future__ import annotations

from fractions import Fraction

from graphcrm.reports.planface import FaceTier
from graphcrm.reports.planfast import FastTier
from graphcrm.reports.planflow import Scale, TierProblem, caps_at, solve_full, top_level, utilisation_levels

__all__ = ["solve"]


def _best_level(problem: TierProblem, best: int, value_at) -> Fraction | None:
    """The least utilisation level at which the tier still reaches `best` (None when it fills nothing)."""
    levels = utilisation_levels(problem)
    if best == 0 or not levels:
        return None
    low, high = 0, len(levels) - 1                 # value_at(levels[high]) == best: no limit at the top level
    while low < high:
        middle = (low + high) // 2
        if value_at(levels[middle]) == best:
            high = middle
        else:
            low = middle + 1
    return levels[low]


def solve(problems: dict[str, TierProblem], exact_only: bool = False) -> dict[str, list[tuple[str, str]]]:
    """The plan: for each tier, the (client, staff) pairs of the best plan under criteria 1-5.

    Each tier takes the first path that certifies itself: `planfast` (everyone gets their best
    candidates), `planface` (capacity binds: then someone ends full in every best plan, so the
    tier's best level is 1, the highest there is), or the whole network.
    """
    levels: dict[str, Fraction | None] = {}
    paths: dict[str, object] = {}
    for tier, problem in problems.items():
        fast = None if exact_only else FastTier.build(problem)
        # Someone full ends at utilisation 1 only when spare is all the room there is (capacity - load).
        whole = all(r.spare == max(0, r.capacity - r.load) for r in problem.room.values())
        face = None if exact_only or fast is not None or not whole else FaceTier.build(problem)
        if fast is not None:
            paths[tier] = fast
            levels[tier] = fast.best_level()
        elif face is not None:
            paths[tier] = face
            levels[tier] = top_level(problem) if face.value >= Scale.for_problem(problem).count else None
        else:
            value = solve_full(problem, caps_at(problem, None), ids=False)[0]
            paths[tier] = value
            levels[tier] = _best_level(problem, value,
                                       lambda level, p=problem: solve_full(p, caps_at(p, level), ids=False)[0])
    reached = [level for level in levels.values() if level is not None]
    top = max(reached) if reached else None
    plan: dict[str, list[tuple[str, str]]] = {}
    for tier, problem in problems.items():
        caps = caps_at(problem, top)
        path = paths[tier]
        chosen = None
        if isinstance(path, FastTier):
            chosen = path.plan(caps, path.certified_value)
        elif isinstance(path, FaceTier) and caps == caps_at(problem, None):
            chosen = path.plan()
        if chosen is None:
            chosen = solve_full(problem, caps, ids=True)[1]
        plan[tier] = sorted(chosen)
    return plan

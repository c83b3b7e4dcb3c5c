"""The guard's plan layer: what Neo4j will actually run (EXPLAIN's operators) against an allow-list, and the plan's bounds.

The plan is the first layer, because it is what the server will do whatever the text looked like:
every operator must be a read operator on the list below (anything new or unknown is refused), a
procedure must be on the procedure allow-list, and the planner must class the query as a read.
Then the bounds refuse what the server cannot be trusted to stop once started (see Limits).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from graphcrm.errors import QueryRefused
from graphcrm.guard.limits import Limits
from graphcrm.guard.text import ALLOWED_PROCEDURES

__all__ = ["check_plan", "READ_OPERATORS", "plan_measures"]

_LEAVES = {
    "AllNodesScan", "NodeByLabelScan", "NodeByIdSeek", "NodeByElementIdSeek", "NodeIndexScan", "NodeIndexSeek",
    "NodeUniqueIndexSeek", "NodeIndexSeekByRange", "NodeUniqueIndexSeekByRange", "NodeIndexContainsScan",
    "NodeIndexEndsWithScan", "MultiNodeIndexSeek", "UnionNodeByLabelsScan", "IntersectionNodeByLabelsScan",
    "SubtractionNodeByLabelsScan", "NodeCountFromCountStore", "RelationshipCountFromCountStore", "Argument",
    "ArgumentTracker", "EmptyRow",
}
_RELATIONSHIP_LEAVES = {
    f"{way}{what}" for way in ("Directed", "Undirected") for what in (
        "AllRelationshipsScan", "RelationshipTypeScan", "UnionRelationshipTypesScan", "RelationshipByIdSeek",
        "RelationshipByElementIdSeek", "RelationshipIndexScan", "RelationshipIndexSeek", "RelationshipIndexSeekByRange",
        "RelationshipIndexContainsScan", "RelationshipIndexEndsWithScan", "RelationshipUniqueIndexSeek",
        "RelationshipUniqueIndexSeekByRange")}
_EXPANDS = {"Expand(All)", "Expand(Into)", "OptionalExpand(All)", "OptionalExpand(Into)"}
_VARIABLE = {"VarLengthExpand(All)", "VarLengthExpand(Into)", "VarLengthExpand(Pruning)", "VarLengthExpand(Pruning,BFS)",
             "ShortestPath", "StatefulShortestPath(All)", "StatefulShortestPath(Into)", "Repeat(Trail)", "Repeat(Walk)"}
_JOINS = {"NodeHashJoin", "ValueHashJoin", "NodeLeftOuterHashJoin", "NodeRightOuterHashJoin"}
_AGGREGATIONS = {"EagerAggregation", "OrderedAggregation"}
_ROWS = {
    "ProduceResults", "Filter", "Projection", "Limit", "Skip", "Sort", "PartialSort", "Top", "PartialTop", "Top1WithTies",
    "Distinct", "OrderedDistinct", "Unwind", "Apply", "SemiApply", "AntiSemiApply", "LetSemiApply", "LetAntiSemiApply",
    "SelectOrSemiApply", "SelectOrAntiSemiApply", "LetSelectOrSemiApply", "LetSelectOrAntiSemiApply", "RollUpApply",
    "ConditionalApply", "AntiConditionalApply", "Optional", "Anti", "CartesianProduct", "Union", "OrderedUnion",
    "CacheProperties", "Eager", "EmptyResult", "ExhaustiveLimit", "TriadicSelection", "TriadicBuild", "TriadicFilter",
    "ProjectEndpoints", "NullifyMetadata", "ProcedureCall",
}
#: Every operator a read-only query may be planned with (Neo4j 5.26's operator summary, less every
#: updating, administration, LOAD CSV, batching and parallel-runtime operator).
READ_OPERATORS = frozenset(_LEAVES | _RELATIONSHIP_LEAVES | _EXPANDS | _VARIABLE | _JOINS | _AGGREGATIONS | _ROWS)

_STAR = re.compile(r"\*(\d*)(\.\.)?(\d*)\]")            # [r*], [r*2..], [r*..5], [r*3]
_QUANTIFIER = re.compile(r"\{\s*(\d*)\s*,\s*(\d*)\s*\}")  # {1, 3}, {1, }


def _operators(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = [plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("children", []))


def _name(node: dict[str, Any]) -> str:
    return str(node.get("operatorType", "")).split("@")[0]


def _details(node: dict[str, Any]) -> str:
    return str(node.get("args", {}).get("Details", ""))


def _estimate(node: dict[str, Any]) -> float:
    value = node.get("args", {}).get("EstimatedRows", 0)
    return float(value) if isinstance(value, (int, float)) else 0.0


def _upper_bound(node: dict[str, Any]) -> int | None:
    """A variable-length operator's most hops, or None when it has no upper bound."""
    details = _details(node)
    star = _STAR.search(details)
    if star:
        low, dots, high = star.groups()
        if high:
            return int(high)
        return None if dots or not low else int(low)
    quantifier = _QUANTIFIER.search(details)
    if quantifier:
        return int(quantifier.group(2)) if quantifier.group(2) else None
    return None


#: Range seeks: under an Apply's right-hand side they compare each row of one side with a range of the other (a theta
#: join such as `a.id < b.id`), whose work grows with the product of both sides whatever the estimates say.
_RANGE_SEEKS = {"NodeIndexSeekByRange", "NodeUniqueIndexSeekByRange", "DirectedRelationshipIndexSeekByRange",
                "UndirectedRelationshipIndexSeekByRange"}


def _theta_joins(ops: list[dict[str, Any]]) -> int:
    """Applies whose right-hand side seeks a range: each is a product of its two sides, counted as a cartesian product.

    The planner's row estimates for them follow the index statistics, which can be stale after a bulk write;
    counting them keeps the bound independent of statistics."""
    count = 0
    for node in ops:
        children = node.get("children", [])
        if _name(node) == "Apply" and len(children) == 2 and any(_name(n) in _RANGE_SEEKS for n in _operators(children[1])):
            count += 1
    return count


def plan_measures(plan: dict[str, Any]) -> dict[str, Any]:
    """What the bounds look at, measured on a plan (also printed by bench/bench_guard.py)."""
    ops = list(_operators(plan))
    largest = max(ops, key=_estimate)
    hops, unbounded = 0, None
    for node in ops:
        name = _name(node)
        if name in _EXPANDS or name in _RELATIONSHIP_LEAVES:
            hops += 1
        elif name in _VARIABLE:
            bound = _upper_bound(node)
            if bound is None:
                unbounded = unbounded or f"{name}: {_details(node).splitlines()[0].strip()}"
            hops += bound or 0
    collected = max((_estimate(child) for node in ops if _name(node) in _AGGREGATIONS and "collect(" in _details(node)
                     for child in node.get("children", [])), default=0.0)
    return {
        "estimated_rows": _estimate(largest), "largest_operator": _name(largest),
        "estimated_cost": sum(_estimate(node) for node in ops), "hops": hops, "unbounded": unbounded,
        "cartesian_products": sum(1 for node in ops if _name(node) == "CartesianProduct") + _theta_joins(ops),
        "joins": sum(1 for node in ops if _name(node) in _JOINS), "collect_rows": collected,
    }


def check_plan(query_type: str | None, plan: dict[str, Any] | None, limits: Limits, trusted: bool = False) -> None:
    """Refuse, naming the operator or the bound, unless the plan only reads and stays within the limits."""
    if query_type != "r":
        kind = {"rw": "reads and writes", "w": "writes", "s": "changes the schema"}.get(query_type or "", repr(query_type))
        raise QueryRefused(f"the planner says this query {kind}; analyst queries must be read-only")
    if not plan:
        raise QueryRefused("the server gave no plan for this query, so the guard cannot tell what it would run")
    for node in _operators(plan):
        name = _name(node)
        if name not in READ_OPERATORS:
            raise QueryRefused(f"the plan runs {name}, which is not a read operator analysts may use; analyst queries "
                               "are read-only")
        if name == "ProcedureCall":
            procedure = _details(node).split("(")[0].strip()
            if procedure not in ALLOWED_PROCEDURES:
                raise QueryRefused(f"procedure {procedure or 'unknown'} is not on the allow-list "
                                   f"({', '.join(sorted(ALLOWED_PROCEDURES))})")
    if trusted:
        return
    m = plan_measures(plan)
    if m["unbounded"]:
        raise QueryRefused(f"refused before running: an unbounded variable-length pattern ({m['unbounded']}); give it an "
                           f"upper bound, e.g. [*..{min(6, limits.max_hops)}] (bound: max_hops = {limits.max_hops:,})")
    checks = [
        ("max_hops", m["hops"], "the relationships the plan traverses per row"),
        ("max_cartesian_products", m["cartesian_products"], "the number of cartesian products in the plan (a range "
                                                            "comparison between two matched nodes counts as one)"),
        ("max_joins", m["joins"], "the number of hash joins in the plan"),
        ("max_collect_rows", m["collect_rows"], "the rows the planner expects one collect() to gather"),
        ("max_estimated_rows", m["estimated_rows"], f"the planner's largest estimated row count "
                                                    f"(operator {m['largest_operator']})"),
        ("max_estimated_cost", m["estimated_cost"], "the planner's estimated rows summed over every operator"),
    ]
    for name, found, what in checks:
        limit = getattr(limits, name)
        if found > limit:
            raise QueryRefused(f"refused before running: {what} is {round(found):,}, above {name} = {limit:,} "
                               f"(a bound of the analyst guard; [guard] {name} in the config file)")

"""The analyst guard's bounds (`[guard]` in the config file), and how big a result row is once sent as JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from graphcrm.errors import ConfigError

__all__ = ["Limits", "limits_from", "json_size", "BOUND_DOCS"]


@dataclass(frozen=True)
class Limits:
    """What an analyst query may cost. The first three bound the run; the rest refuse a query before it runs.

    The refusing bounds exist because Neo4j 5.26 checks for termination only when a query touches
    the store: work inside hash joins, cartesian products and expressions (reduce, comprehensions)
    goes on after the transaction is marked terminated, even after the client is gone, until the
    server is restarted. So what the server cannot be trusted to stop is not started.
    """

    timeout: float = 30.0
    max_rows: int = 10_000
    max_bytes: int = 10_000_000
    max_query_chars: int = 20_000
    max_estimated_rows: int = 10_000_000
    max_estimated_cost: int = 50_000_000
    max_match_clauses: int = 6
    max_hops: int = 10
    max_cartesian_products: int = 1
    max_joins: int = 2
    max_collect_rows: int = 100_000
    max_range: int = 1_000
    max_iteration_depth: int = 1

    def with_overrides(self, **given: Any) -> "Limits":
        """These limits with the options a caller gave (None means not given)."""
        changes = {k: v for k, v in given.items() if v is not None}
        for name, value in changes.items():
            _check(name, value, "option")
        return replace(self, **changes)


#: What each bound measures, for refusals and the README.
BOUND_DOCS = {
    "timeout": "seconds a query may run (server-side transaction timeout; the client stops waiting soon after)",
    "max_rows": "rows returned before the result is cut (truncated: rows)",
    "max_bytes": "bytes of the result as JSON before it is cut (truncated: bytes)",
    "max_query_chars": "characters of query text",
    "max_estimated_rows": "the largest row count the planner estimates for any operator of the plan",
    "max_estimated_cost": "the sum of the planner's estimated rows over every operator (the work it expects)",
    "max_match_clauses": "clauses that match patterns (MATCH, OPTIONAL MATCH), in subqueries too",
    "max_hops": "relationships the plan traverses per row: one per expand, a variable-length pattern's upper bound",
    "max_cartesian_products": "CartesianProduct operators in the plan",
    "max_joins": "hash joins in the plan (NodeHashJoin, ValueHashJoin, outer hash joins)",
    "max_collect_rows": "rows the planner estimates a collect() gathers into one list",
    "max_range": "elements of a range(); its bounds must be whole-number literals",
    "max_iteration_depth": "list comprehensions, reduce() and any/all/none/single nested in one another",
}


def _check(name: str, value: Any, where: str) -> Any:
    kind = {f.name: f.type for f in fields(Limits)}.get(name)
    if kind is None:
        raise ConfigError(f"{where}: unknown guard setting {name!r} (known: {', '.join(BOUND_DOCS)})")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}: guard.{name}: expected a number, got {value!r}")
    if kind == "int" and not float(value).is_integer():
        raise ConfigError(f"{where}: guard.{name}: expected a whole number, got {value!r}")
    least = 0 if name in ("max_cartesian_products", "max_joins") else 1
    if kind == "float" and value <= 0:
        raise ConfigError(f"{where}: guard.{name}: must be more than 0, got {value!r}")
    if kind == "int" and value < least:
        raise ConfigError(f"{where}: guard.{name}: must be at least {least}, got {value!r}")
    return float(value) if kind == "float" else int(value)


def limits_from(table: Any, where: str) -> Limits:
    """The `[guard]` table of a config file over the defaults; a bad key or value names the file and the key."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: guard: expected a table of settings")
    return replace(Limits(), **{name: _check(name, value, where) for name, value in table.items()})


def json_size(value: Any) -> int:
    """Bytes `value` takes as compact UTF-8 JSON, without building the text (close enough to cap a result by)."""
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if isinstance(value, str):
        return len(value) + 2 if value.isascii() else len(value.encode("utf-8", "replace")) + 2
    if isinstance(value, (int, float)):
        return len(repr(value))
    if isinstance(value, dict):
        return 1 + len(value) + sum(json_size(str(k)) + 1 + json_size(v) for k, v in value.items()) if value else 2
    if isinstance(value, (list, tuple)):
        return 1 + len(value) + sum(json_size(v) for v in value) if value else 2
    return len(str(value)) + 2

"""Values between Python and the Neo4j driver: temporal types, query parameters, and graph values as plain dicts."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from neo4j.graph import Node, Path, Relationship
from neo4j.time import Date as Neo4jDate, DateTime as Neo4jDateTime

__all__ = ["native", "native_rows", "row_of", "plain"]

_PLAIN = (str, int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)


def native(value: Any) -> Any:
    """Driver temporal values to Python's (dates stay dates; datetimes become UTC-aware)."""
    if type(value) in _PLAIN:      # most values: return before any isinstance chain
        return value
    if isinstance(value, Neo4jDateTime):
        value = value.to_native()
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, Neo4jDate):
        return value.to_native()
    if isinstance(value, list):
        return [native(v) for v in value]
    if isinstance(value, dict):
        return {k: native(v) for k, v in value.items()}
    return value


def native_rows(columns: list[str], rows: list[list[Any]]) -> list[dict[str, Any]]:
    """Rows sent as lists of values (Neo4jStore.read_packed) as dicts of Python values.

    Only the columns that hold a driver value (a temporal, at any depth of a list) go through native():
    most columns hold ids, names and counts, and looking at their types costs far less than converting them.
    """
    by_column = [values if _plain_column(values) else [native(v) for v in values] for values in zip(*rows)]
    return [dict(zip(columns, row)) for row in zip(*by_column)]


def _plain_column(values: tuple) -> bool:
    kinds = set(map(type, values))
    if kinds <= _PLAIN_TYPES:
        return True
    if kinds <= _PLAIN_TYPES | {list}:
        return all(set(map(type, v)) <= _PLAIN_TYPES for v in values if type(v) is list)
    return False


def row_of(record: Any) -> dict[str, Any]:
    """A record as a query parameter map. Dates and date-times travel as ISO strings and the
    write queries turn them into native values with date()/datetime(): the driver's own temporal
    encoding costs more than the rest of a bulk import put together."""
    out = {}
    for name in record.__dataclass_fields__:
        value = getattr(record, name)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        out[name] = value
    return out


def plain(value: Any) -> Any:
    """Driver values to our own plain types: nodes, relationships and paths become tagged dicts."""
    if isinstance(value, Node):
        return {"_kind": "node", "id": value.element_id, "labels": sorted(value.labels),
                "properties": {k: native(v) for k, v in value.items()}}
    if isinstance(value, Relationship):
        return {"_kind": "relationship", "id": value.element_id, "type": value.type,
                "start": value.start_node.element_id if value.start_node else None,
                "end": value.end_node.element_id if value.end_node else None,
                "properties": {k: native(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return {"_kind": "path", "nodes": [plain(n) for n in value.nodes],
                "relationships": [plain(r) for r in value.relationships]}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return native(value)

"""Analyst queries: a named query, a .cypher file or ad-hoc text, bound and sent through the read-only guard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphcrm.config import Policy
from graphcrm.errors import NotSupported, QueryRefused
from graphcrm.guard import DEFAULT_ROW_CAP, DEFAULT_TIMEOUT
from graphcrm.queries import ANALYST_KINDS, NamedQuery, bind, library, parse_query_file
from graphcrm.stores.protocol import AnalystQueries, AnalystResult

__all__ = ["run_analyst_query", "named_analyst_query", "guess_value", "NEEDS_NEO4J"]

NEEDS_NEO4J = ("ad-hoc Cypher needs Neo4j (--store bolt://... or neo4j://...); "
               "on the embedded store run the named reports with 'graphcrm report NAME'")


def guess_value(raw: str) -> Any:
    """An untyped --param for ad-hoc Cypher: JSON when it parses (numbers, lists, maps), else a string."""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, ValueError):
        return raw


def named_analyst_query(name: str, allow_files: bool = False) -> NamedQuery:
    """A query analysts may run by name (or, from the command line, a .cypher file); never a write or schema query."""
    if name in library():
        named = library()[name]
    elif allow_files and name.endswith(".cypher") and Path(name).is_file():
        named = parse_query_file(Path(name))
    else:
        what = "a named query (see cypher/) nor a .cypher file" if allow_files else "a named query (see cypher/)"
        raise QueryRefused(f"{name!r} is neither {what}")
    if named.kind not in ANALYST_KINDS:
        raise QueryRefused(f"{named.name} is a {named.kind} query; analyst queries are read-only")
    return named


def run_analyst_query(store, name: str | None, text: str | None, raw: dict[str, Any], policy: Policy,
                      timeout: float | None = None, row_cap: int | None = None,
                      allow_files: bool = False) -> AnalystResult:
    """Resolve what the analyst asked for and run it through the store's guarded read path."""
    if not isinstance(store, AnalystQueries):
        raise NotSupported(NEEDS_NEO4J)
    if text is None:
        assert name is not None
        named = named_analyst_query(name, allow_files)
        bound = bind(named.params, raw, policy, owner=named.name)
        text, params = named.text, bound.query_params(named)
    else:
        params = {k: guess_value(v) if isinstance(v, str) else v for k, v in raw.items()}
    return store.analyst_query(text, params, timeout=timeout or DEFAULT_TIMEOUT, row_cap=row_cap or DEFAULT_ROW_CAP)

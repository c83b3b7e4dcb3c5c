"""Analyst queries: a named query, a .cypher file or ad-hoc text, bound and sent through the read-only guard."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from graphcrm.config import Policy
from graphcrm.errors import QueryRefused, StoreError
from graphcrm.guard import DEFAULT_ROW_CAP, DEFAULT_TIMEOUT
from graphcrm.queries import NamedQuery, library, parse_query_file

__all__ = ["prepare_analyst_query", "bind_named", "guess_value"]


def guess_value(raw: str) -> Any:
    """An untyped --param for ad-hoc Cypher: JSON when it parses (numbers, lists, maps), else a string."""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, ValueError):
        return raw


def bind_named(named: NamedQuery, raw: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """Parameters for a named query: the user's typed values, then 'today' and policy defaults."""
    from graphcrm.reports import policy_params

    from_policy = policy_params(policy)
    bound: dict[str, Any] = {}
    for name in raw:
        named.param(name)      # raises for an unknown parameter
    for p in named.params:
        if p.name in raw:
            bound[p.name] = p.coerce(raw[p.name])
        elif p.default == "today":
            bound[p.name] = date.today()
        elif p.default == "policy":
            bound[p.name] = from_policy[p.name]
        elif p.required:
            from graphcrm.errors import ParameterError
            raise ParameterError(f"{named.name}: parameter {p.name!r} is required ({p.doc})")
        else:
            bound[p.name] = p.default
    return bound


def prepare_analyst_query(store, name_or_file: str | None, text: str | None, raw: dict[str, str], policy: Policy,
                          timeout: float | None = None, row_cap: int | None = None):
    """Resolve what the analyst asked for and run it through the store's guarded read path."""
    if getattr(store, "kind", None) != "neo4j":
        raise StoreError("ad-hoc Cypher needs Neo4j (--store bolt://... or neo4j://...); "
                         "on the embedded store run the named reports with 'graphcrm report NAME'")
    if text is None:
        assert name_or_file is not None
        path = Path(name_or_file)
        if name_or_file in library():
            named = library()[name_or_file]
        elif path.suffix == ".cypher" and path.is_file():
            named = parse_query_file(path)
        else:
            raise QueryRefused(f"{name_or_file!r} is neither a named query (see cypher/) nor a .cypher file")
        if named.kind in ("write", "schema"):
            raise QueryRefused(f"{named.name} is a {named.kind} query; analyst queries are read-only")
        text, params = named.text, bind_named(named, raw, policy)
    else:
        params = {k: guess_value(v) for k, v in raw.items()}
    return store.analyst_query(text, params, timeout=timeout or DEFAULT_TIMEOUT, row_cap=row_cap or DEFAULT_ROW_CAP)

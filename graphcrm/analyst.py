"""Analyst queries: a named query, a .cypher file or ad-hoc text, bound and sent through the read-only guard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphcrm.config import Policy
from graphcrm.errors import NotSupported, QueryRefused
from graphcrm.guard import Limits
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


def named_analyst_query(name: str, allow_files: bool = False) -> tuple[NamedQuery, bool]:
    """A query analysts may run by name (or, from the command line, a .cypher file); never a write or schema query.

    Also says whether it is trusted: a packaged file of cypher/ is reviewed code, so it passes the
    guard's read-only checks but not its complexity bounds; a file from elsewhere is the analyst's own.
    """
    if name in library():
        named, trusted = library()[name], True
    elif allow_files and name.endswith(".cypher") and Path(name).is_file():
        named, trusted = parse_query_file(Path(name)), False
    else:
        what = "a named query (see cypher/) nor a .cypher file" if allow_files else "a named query (see cypher/)"
        raise QueryRefused(f"{name!r} is neither {what}")
    if named.kind not in ANALYST_KINDS:
        raise QueryRefused(f"{named.name} is a {named.kind} query; analyst queries are read-only")
    return named, trusted


def run_analyst_query(store, name: str | None, text: str | None, raw: dict[str, Any], policy: Policy,
                      limits: Limits | None = None, allow_files: bool = False) -> AnalystResult:
    """Resolve what the analyst asked for and run it through the guard (graphcrm.guard) on the store's read path.

    The CLI, the web console and the JSON API all come here, with the limits of the config file's
    [guard] section (the CLI's --timeout, --max-rows and --max-bytes override them).
    """
    if not isinstance(store, AnalystQueries):
        raise NotSupported(NEEDS_NEO4J)
    trusted = False
    if text is None:
        if not name:
            raise QueryRefused("give a named query or the Cypher to run")
        named, trusted = named_analyst_query(name, allow_files)
        bound = bind(named.params, raw, policy, owner=named.name)
        text, params = named.text, bound.query_params(named)
    else:
        params = {k: guess_value(v) if isinstance(v, str) else v for k, v in raw.items()}
    return store.analyst_query(text, params, limits=limits or Limits(), trusted=trusted)

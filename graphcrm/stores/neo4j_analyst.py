"""Analysts' own Cypher on Neo4j: the server-side layers of the guard (the plan, the transaction, the limits)."""

from __future__ import annotations

from typing import Any, Iterable

import neo4j
from neo4j import unit_of_work
from neo4j import exceptions as neo4j_errors

from graphcrm.errors import QueryError, QueryRefused, QueryTimeout
from graphcrm.guard import ALLOWED_PROCEDURES, DEFAULT_ROW_CAP, DEFAULT_TIMEOUT, check_query_text
from graphcrm.stores.neo4j_values import plain
from graphcrm.stores.protocol import AnalystResult

__all__ = ["run_analyst_query"]


def run_analyst_query(driver, database: str, text: str, params: dict[str, Any] | None = None,
                      timeout: float | None = None, row_cap: int | None = None) -> AnalystResult:
    """Run an analyst's ad-hoc Cypher only if every guard layer agrees it reads and nothing more."""
    timeout = timeout or DEFAULT_TIMEOUT
    row_cap = row_cap or DEFAULT_ROW_CAP
    body = check_query_text(text)
    params = params or {}
    try:
        with driver.session(database=database) as session:
            # Planned in a default-mode session: a READ session may reject planning a write,
            # which must still count as "not read-only" rather than as an error.
            summary = session.run(_explain(body), params).consume()
    except neo4j_errors.Neo4jError as exc:
        raise QueryError(f"the query does not plan: {exc.message or exc}") from None
    if summary.query_type != "r":
        kind = {"rw": "reads and writes", "w": "writes", "s": "changes the schema"}.get(summary.query_type, summary.query_type)
        raise QueryRefused(f"the planner says this query {kind}; analyst queries must be read-only")
    for procedure in _procedures_in(summary.plan):
        if procedure.lower() not in ALLOWED_PROCEDURES:
            raise QueryRefused(f"procedure {procedure} is not on the allow-list")

    @unit_of_work(timeout=timeout, metadata={"app": "graphcrm", "query": "analyst"})
    def work(tx):
        result = tx.run(body, params)
        keys = list(result.keys())
        rows, truncated = [], False
        for record in result:
            if len(rows) >= row_cap:
                truncated = True
                break
            rows.append([plain(record[k]) for k in keys])
        return keys, rows, truncated

    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            keys, rows, truncated = session.execute_read(work)
    except neo4j_errors.Neo4jError as exc:
        code = exc.code or ""
        if "TransactionTimedOut" in code or "Terminated" in code:
            raise QueryTimeout(f"the query was stopped after the {timeout:g}s time limit") from None
        if "AccessMode" in code or "Forbidden" in code:
            raise QueryRefused(f"the server refused a write in a read-only transaction: {exc.message}") from None
        raise QueryError(f"the query failed: {exc.message or exc}") from None
    return AnalystResult(keys, rows, truncated, "rows" if truncated else None)


def _explain(body: str) -> str:
    return "EXPLAIN " + body


def _procedures_in(plan) -> Iterable[str]:
    """Names of the procedures a plan calls (ProcedureCall operators), walking the whole tree."""
    if not plan:
        return
    stack = [plan]
    while stack:
        node = stack.pop()
        operator = str(node.get("operatorType", ""))
        if operator.startswith("ProcedureCall"):
            details = str(node.get("args", {}).get("Details", ""))
            name = details.split("(")[0].strip()
            yield name or "unknown"
        stack.extend(node.get("children", []))

"""The analyst Cypher guard: decides whether an analyst's own query may run, and within which limits.

Neo4j Community has no roles: every user the product connects as is an administrator, so this
guard is the only thing between an analyst and the database. It decides on what Neo4j will run:

1. the text, read with Cypher's own lexer (graphcrm.guard.lexer): anything two readers could read
   two ways is refused; then clauses, procedures, functions and text-level bounds (graphcrm.guard.text);
2. the plan from EXPLAIN (graphcrm.guard.plan): read operators and allow-listed procedures only,
   the planner's query type 'r', and the plan's bounds;
3. the run (graphcrm.stores.neo4j_analyst): a READ transaction with a timeout, rows and bytes
   capped while streaming, and a query that outlives its time limit terminated by its id, its
   connection closed, and the server checked idle again.

None of it relies on the server's configuration (transaction timeout, memory limits, CSV import
settings): those are recommended in README.md and scripts/neo4j.sh, but the guard holds against a
server with default settings, where LOAD CSV may fetch any URL and a transaction has no limit.
"""

from graphcrm.guard.limits import BOUND_DOCS, Limits, json_size, limits_from
from graphcrm.guard.plan import READ_OPERATORS, check_plan, plan_measures
from graphcrm.guard.text import ALLOWED_NAMESPACED_FUNCTIONS, ALLOWED_PROCEDURES, check_query_text

__all__ = ["Limits", "limits_from", "json_size", "BOUND_DOCS", "check_query_text", "check_plan", "plan_measures",
           "READ_OPERATORS", "ALLOWED_PROCEDURES", "ALLOWED_NAMESPACED_FUNCTIONS"]

"""The analyst query guard's text checks: what an ad-hoc Cypher query may not contain, with the reason why.

The Neo4j store adds the checks that need the server: the planner must class the query as
read-only (EXPLAIN, query type 'r'), it must call no procedure off the allow-list, and it runs in a
READ transaction with a time limit and a row cap. No single layer is trusted alone.
"""

from __future__ import annotations

import re
import unicodedata

from graphcrm.errors import QueryRefused

__all__ = ["check_query_text", "ALLOWED_PROCEDURES", "blank_literals", "DEFAULT_TIMEOUT", "DEFAULT_ROW_CAP"]

DEFAULT_TIMEOUT = 30.0
DEFAULT_ROW_CAP = 10_000

#: Read-only introspection procedures analysts may call; everything else is refused.
ALLOWED_PROCEDURES = frozenset({
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties",
})

_LITERALS = re.compile(r"'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?|`(?:[^`]|``)*`?|//[^\n]*|/\*.*?(?:\*/|\Z)", re.S)
_ADMIN_START = re.compile(
    r"^\s*(SHOW|GRANT|DENY|REVOKE|ALTER|DROP|START|STOP|TERMINATE|ENABLE|DEALLOCATE|REALLOCATE|RENAME|DRYRUN)\b", re.I)
_ADMIN_ANYWHERE = re.compile(r"\b(CREATE|DROP|ALTER|SHOW)\s+(OR\s+REPLACE\s+)?(DATABASE|ALIAS|USER|ROLE|SERVER|INDEX|CONSTRAINT|COMPOSITE)\b", re.I)
_LOAD_CSV = re.compile(r"\bLOAD\s+CSV\b", re.I)
_IN_TRANSACTIONS = re.compile(r"\bIN\s+(\d+\s+)?(CONCURRENT\s+)?TRANSACTIONS\b", re.I)
_USE = re.compile(r"(^|[\s)}])USE\s", re.I)
_CALL = re.compile(r"\bCALL\s+([A-Za-z_][\w.]*)", re.I)
_NAMESPACED_FUNCTION = re.compile(r"\b(apoc|gds|dbms|genai)\s*\.\s*[\w.]+\s*\(", re.I)
_PERIODIC = re.compile(r"\bUSING\s+PERIODIC\s+COMMIT\b", re.I)


def blank_literals(text: str) -> str:
    """Replace strings, quoted names and comments by spaces, keeping line breaks and positions."""
    return _LITERALS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def check_query_text(text: str) -> str:
    """Return the query to run (trimmed, one trailing ';' dropped) or raise QueryRefused saying why."""
    if not text or not text.strip():
        raise QueryRefused("the query is empty")
    if len(text) > 100_000:
        raise QueryRefused("the query is longer than 100,000 characters")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise QueryRefused("the query contains control characters")
    code = blank_literals(text)
    stripped = code.strip()
    body = text.strip()
    if stripped.endswith(";"):
        cut = len(code.rstrip()) - 1
        code, body = code[:cut], text[:cut].strip()
    if ";" in code:
        raise QueryRefused("only one statement at a time: the query contains ';'")
    if _LOAD_CSV.search(code):
        raise QueryRefused("LOAD CSV is not allowed: analyst queries read the graph only")
    if _IN_TRANSACTIONS.search(code) or _PERIODIC.search(code):
        raise QueryRefused("batched transactions (CALL ... IN TRANSACTIONS) are not allowed: they commit writes")
    if _ADMIN_START.search(code) or _ADMIN_ANYWHERE.search(code):
        raise QueryRefused("administration and schema commands are not allowed in analyst queries")
    if _USE.search(code):
        raise QueryRefused("USE is not allowed: analyst queries run on the configured database only")
    for match in _CALL.finditer(code):
        name = match.group(1)
        if name.lower() not in ALLOWED_PROCEDURES:
            raise QueryRefused(f"procedure {name} is not on the allow-list ({', '.join(sorted(ALLOWED_PROCEDURES))})")
    function = _NAMESPACED_FUNCTION.search(code)
    if function:
        raise QueryRefused(f"function {function.group(0).rstrip('(').strip()} is not allowed in analyst queries")
    return body

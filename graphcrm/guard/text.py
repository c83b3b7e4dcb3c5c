"""The guard's text layer: what an analyst query may not say, read from Cypher's own tokens, and the text-level bounds.

This is the second layer: the plan layer (graphcrm.guard.plan) decides on what Neo4j will run.
The text layer refuses early and says why in the analyst's words, and it catches what a plan
does not show: query options and prefixes, USE, statements after a ';', and expression work
(range(), reduce(), nested comprehensions) that runs inside one operator where Neo4j cannot stop it.
"""

from __future__ import annotations

from graphcrm.errors import QueryRefused
from graphcrm.guard.lexer import Token, tokenize
from graphcrm.guard.limits import Limits

__all__ = ["check_query_text", "ALLOWED_PROCEDURES", "ALLOWED_NAMESPACED_FUNCTIONS"]

#: Read-only introspection procedures analysts may call, by their exact names; everything else is refused.
ALLOWED_PROCEDURES = frozenset({
    "db.labels", "db.relationshipTypes", "db.propertyKeys", "db.schema.visualization",
    "db.schema.nodeTypeProperties", "db.schema.relTypeProperties",
})

#: Cypher's built-in functions that live in a namespace; any other dotted name is a plugin's (APOC, GDS...).
ALLOWED_NAMESPACED_FUNCTIONS = frozenset(
    [f"{kind}.{what}" for kind in ("date", "datetime", "localdatetime", "localtime", "time")
     for what in ("truncate", "realtime", "statement", "transaction")]
    + ["datetime.fromepoch", "datetime.fromepochmillis", "duration.between", "duration.indays", "duration.inmonths",
       "duration.inseconds", "point.distance", "point.withinbbox", "vector.similarity.euclidean",
       "vector.similarity.cosine"])

_WRITES = ("CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "FOREACH", "INSERT")
_ADMIN_ANYWHERE = ("GRANT", "DENY", "REVOKE", "ALTER", "DROP", "DEALLOCATE", "REALLOCATE", "DRYRUN")
_ADMIN_FIRST = ("START", "STOP", "ENABLE", "RENAME")
_QUANTIFIERS = ("ALL", "ANY", "NONE", "SINGLE")
_OPEN, _CLOSE = "([{", ")]}"


def _refused(message: str) -> QueryRefused:
    return QueryRefused(message)


def _bound(name: str, found: int, limit: int, what: str) -> QueryRefused:
    return QueryRefused(f"refused before running: {what} is {found:,}, above {name} = {limit:,} "
                        f"(a bound of the analyst guard; [guard] {name} in the config file)")


def check_query_text(text: str, limits: Limits | None = None, trusted: bool = False) -> str:
    """The query to run (trimmed, one trailing ';' dropped), or QueryRefused saying why not.

    `trusted` is for the reviewed files of cypher/: they pass the same read-only checks but not the
    complexity bounds, which exist for what an analyst can type.
    """
    limits = limits or Limits()
    if not isinstance(text, str) or not text.strip():
        raise _refused("the query is empty")
    if len(text) > limits.max_query_chars and not trusted:
        raise _bound("max_query_chars", len(text), limits.max_query_chars, "the query's length in characters")
    tokens = tokenize(text)
    if not tokens:
        raise _refused("the query holds nothing but comments")
    body = text
    semicolons = [i for i, t in enumerate(tokens) if t.kind == "punct" and t.text == ";"]
    if semicolons:
        if semicolons != [len(tokens) - 1]:
            raise _refused("only one statement at a time: the query contains ';' between statements")
        body = text[:tokens[-1].at]
        tokens = tokens[:-1]
        if not tokens:
            raise _refused("the query is empty")
    _check_clauses(tokens)
    _check_calls(tokens)
    if not trusted:
        _check_bounds(tokens, limits)
    return body.strip()


def _keyword(tokens: list[Token], i: int) -> str:
    """The word at i in upper case when it stands where a keyword can: not a property, label, type, map key,
    alias (`AS load`) or a variable whose property is read (`load.x`)."""
    token = tokens[i]
    if token.kind != "word":
        return ""
    before = tokens[i - 1] if i else None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if before is not None and (before.kind == "punct" and before.text in (".", ":", "::") or before.is_word("AS")):
        return ""
    if after is not None and after.kind == "punct" and after.text in (":", "."):
        return ""
    return token.upper


def _check_clauses(tokens: list[Token]) -> None:
    first = _keyword(tokens, 0)
    if first in ("CYPHER", "EXPLAIN", "PROFILE"):
        raise _refused(f"{first} is not allowed at the start of an analyst query: query options and prefixes change how "
                       "Neo4j plans and runs it, and the guard plans and runs it itself")
    if first in _ADMIN_FIRST:
        raise _refused(f"{first} is an administration command; analyst queries are read-only")
    for i in range(len(tokens)):
        word = _keyword(tokens, i)
        if not word:
            continue
        if word == "LOAD" and i + 1 < len(tokens) and tokens[i + 1].is_word("CSV"):
            raise _refused("LOAD CSV is not allowed: it makes the database server read files and fetch URLs (any address "
                           "it can reach); analyst queries read the graph only")
        if word == "USE":
            raise _refused("USE is not allowed: analyst queries run on the configured database only")
        if word in ("SHOW", "TERMINATE"):
            raise _refused(f"{word} commands are not allowed: they show the server's settings and other sessions' "
                           "queries, or end other users' transactions")
        if word in ("TRANSACTIONS", "PERIODIC"):
            raise _refused("batched transactions (CALL ... IN TRANSACTIONS, USING PERIODIC COMMIT) are not allowed: they "
                           "commit writes")
        if word in _WRITES:
            raise _refused(f"{word} changes the graph; analyst queries are read-only")
        if word in _ADMIN_ANYWHERE:
            raise _refused(f"{word} is an administration or schema command; analyst queries are read-only")


def _name_chain(tokens: list[Token], i: int) -> tuple[str, int]:
    """A dotted name starting at i (words or backticked names) and the index after it."""
    parts = []
    while i < len(tokens) and tokens[i].kind in ("word", "name"):
        parts.append(tokens[i].text)
        if i + 2 < len(tokens) and tokens[i + 1].text == "." and tokens[i + 1].kind == "punct":
            i += 2
        else:
            i += 1
            break
    return ".".join(parts), i


def _check_calls(tokens: list[Token]) -> None:
    allowed = {p.lower() for p in ALLOWED_PROCEDURES}
    called: set[int] = set()
    for i in range(len(tokens)):
        if _keyword(tokens, i) == "CALL" and i + 1 < len(tokens) and tokens[i + 1].text not in ("{", "("):
            name, end = _name_chain(tokens, i + 1)
            called.update(range(i + 1, end))
            if not name or name.lower() not in allowed:
                raise _refused(f"procedure {name or tokens[i + 1].text} is not on the allow-list "
                               f"({', '.join(sorted(ALLOWED_PROCEDURES))})")
    for i, token in enumerate(tokens):
        if token.kind == "punct" and token.text == "(" and i and i - 1 not in called:
            start = i - 1
            while start >= 2 and tokens[start - 1].text == "." and tokens[start - 2].kind in ("word", "name"):
                start -= 2
            if start < i - 1 and tokens[start].kind in ("word", "name"):
                name, _ = _name_chain(tokens, start)
                if name.lower() not in ALLOWED_NAMESPACED_FUNCTIONS:
                    raise _refused(f"function {name} is not allowed: only Cypher's built-in functions run in analyst "
                                   "queries (plugins such as APOC and GDS can read files, call URLs or write)")


def _spans(tokens: list[Token]) -> dict[int, int]:
    """Each opening bracket's index -> its closing bracket's index (unclosed: the end; the planner reports the error)."""
    spans, stack = {}, []
    for i, token in enumerate(tokens):
        if token.kind != "punct":
            continue
        if token.text in _OPEN:
            stack.append(i)
        elif token.text in _CLOSE and stack:
            spans[stack.pop()] = i
    for i in stack:
        spans[i] = len(tokens)
    return spans


def _check_bounds(tokens: list[Token], limits: Limits) -> None:
    matches = sum(1 for i in range(len(tokens)) if _keyword(tokens, i) == "MATCH")
    if matches > limits.max_match_clauses:
        raise _bound("max_match_clauses", matches, limits.max_match_clauses, "the number of MATCH clauses")
    spans = _spans(tokens)
    iterations: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        opens = i + 1 < len(tokens) and tokens[i + 1].text == "(" and tokens[i + 1].kind == "punct"
        word = _keyword(tokens, i) if opens else ""
        if word == "RANGE":
            _check_range(tokens, i + 1, spans[i + 1], limits)
        if word == "REDUCE" or word in _QUANTIFIERS and _iterates(tokens, i + 2):
            iterations.append((i + 1, spans[i + 1]))
            if word == "REDUCE":
                _check_reduce(tokens, i + 1, spans[i + 1])
        if token.kind == "punct" and token.text == "[" and _iterates(tokens, i + 1):
            iterations.append((i, spans[i]))
    for start, end in iterations:
        depth = 1 + sum(1 for s, e in iterations if s < start and end <= e)
        if depth > limits.max_iteration_depth:
            raise _bound("max_iteration_depth", depth, limits.max_iteration_depth,
                         "the nesting of list iterations (comprehensions, reduce(), any/all/none/single)")


def _iterates(tokens: list[Token], i: int) -> bool:
    """Whether tokens at i read `variable IN`: the head of a list comprehension or an iterating function."""
    return i + 1 < len(tokens) and tokens[i].kind in ("word", "name") and tokens[i + 1].is_word("IN")


def _arguments(tokens: list[Token], open_at: int, close_at: int) -> list[list[Token]]:
    args, current, depth = [], [], 0
    for token in tokens[open_at + 1:close_at]:
        if token.kind == "punct" and token.text in _OPEN:
            depth += 1
        elif token.kind == "punct" and token.text in _CLOSE:
            depth -= 1
        if depth == 0 and token.kind == "punct" and token.text == ",":
            args.append(current)
            current = []
        else:
            current.append(token)
    return args + [current]


def _integer(arg: list[Token]) -> int | None:
    sign = 1
    if len(arg) == 2 and arg[0].kind == "punct" and arg[0].text == "-":
        sign, arg = -1, arg[1:]
    if len(arg) == 1 and arg[0].kind == "number" and arg[0].text.replace("_", "").isdigit():
        return sign * int(arg[0].text.replace("_", ""))
    return None


def _check_range(tokens: list[Token], open_at: int, close_at: int, limits: Limits) -> None:
    values = [_integer(arg) for arg in _arguments(tokens, open_at, close_at)]
    if len(values) not in (2, 3) or any(v is None for v in values) or (len(values) == 3 and values[2] == 0):
        raise _refused("range() must have whole-number literal bounds, e.g. range(0, 100): a computed range can make a "
                       "list Neo4j cannot stop building")
    start, end, step = values[0], values[1], values[2] if len(values) == 3 else 1
    size = max(0, (end - start) // step + 1)
    if size > limits.max_range:
        raise _bound("max_range", size, limits.max_range, "the number of elements of range()")


def _check_reduce(tokens: list[Token], open_at: int, close_at: int) -> None:
    """reduce() may walk a path's nodes or relationships, a literal list or a literal range, nothing else:
    over collected rows an accumulator that grows makes quadratic work Neo4j cannot interrupt."""
    inner = tokens[open_at + 1:close_at]
    depth, source = 0, None
    for k, token in enumerate(inner):
        if token.kind == "punct" and token.text in _OPEN:
            depth += 1
        elif token.kind == "punct" and token.text in _CLOSE:
            depth -= 1
        elif depth == 0 and token.is_word("IN") and source is None:
            source = k + 1
        elif depth == 0 and token.kind == "punct" and token.text == "|" and source is not None:
            if _bounded_list(inner[source:k]):
                return
            break
    raise _refused("reduce() may only walk nodes(p), relationships(p), a literal list or a literal range(): over "
                   "collected rows it can run for minutes where Neo4j cannot stop it (use UNWIND and an aggregation)")


def _bounded_list(source: list[Token]) -> bool:
    texts = [t.text for t in source]
    if len(source) == 4 and source[0].kind == "word" and source[0].text.lower() in ("nodes", "relationships") \
            and texts[1] == "(" and source[2].kind in ("word", "name") and texts[3] == ")":
        return True
    if len(source) >= 3 and source[0].kind == "word" and source[0].text.lower() == "range" and texts[1] == "(":
        return True          # its bounds were checked as a range() of its own
    if texts[:1] == ["["] and texts[-1:] == ["]"]:
        return all(t.kind in ("number", "string") or t.text in (",", "-") or t.is_word("TRUE", "FALSE", "NULL")
                   for t in source[1:-1])
    return False

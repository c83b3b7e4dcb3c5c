"""Loads cypher/**/*.cypher into named query objects (the header grammar is in cypher/README.md) and binds their parameters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphcrm.config import Policy
from graphcrm.errors import Message, ParameterError, QueryLoadError, UnknownReport
from graphcrm.paths import cypher_dir

__all__ = ["Param", "NamedQuery", "QueryLibrary", "load_library", "library", "QueryLoadError", "PARAM_TYPES",
           "Bound", "bind", "ANALYST_KINDS", "strip_comments"]

PARAM_TYPES = ("date", "datetime", "int", "float", "string", "bool", "list<string>", "list<map>", "map")
KINDS = ("report", "extract", "write", "read", "schema", "command")
#: Kinds that only read: they run in READ transactions (routed to readers in a cluster), and analysts may run them.
ANALYST_KINDS = ("report", "extract", "read")

_HEADER = re.compile(r"^//\s*(?P<key>[a-z]+):\s*(?P<value>.*?)\s*$")
_PARAM = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>[a-z<>]+)(?:\s*=\s*(?P<default>.+?))?\s+--\s+(?P<doc>.+)$")
_COLUMN = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)\s+--\s+(?P<doc>.+)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Strings, comments and backticked names are blanked before looking for $parameters.
_NOISE = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.S)
_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any          # a value, "today", "policy", or None when required
    doc: str
    required: bool

    def coerce(self, raw: Any) -> Any:
        """Turn a CLI/API value (usually a string) into this parameter's type."""
        try:
            return _coerce(self.type, raw)
        except (ValueError, TypeError) as exc:
            raise ParameterError(Message("expected {type}, got {raw!r} ({reason})", self.name, type=self.type, raw=raw,
                                         reason=str(exc))) from None


def _coerce(kind: str, raw: Any) -> Any:
    if raw is None:
        return None
    if kind == "date":
        return raw if isinstance(raw, date) and not isinstance(raw, datetime) else date.fromisoformat(str(raw))
    if kind == "datetime":
        return raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    if kind == "int":
        if isinstance(raw, bool):
            raise ValueError("not a whole number")
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("true", "1", "yes"):
            return True
        if str(raw).lower() in ("false", "0", "no"):
            return False
        raise ValueError("not true/false")
    if kind == "list<string>":
        if isinstance(raw, (list, tuple)):
            if not all(isinstance(x, str) for x in raw):
                raise ValueError("not a list of strings")
            return list(raw)
        # Commas, semicolons or spaces between items: "S1,S2", "S1; S2" and "S1 S2" are the same list.
        return [part for part in re.split(r"[,;\s]+", str(raw)) if part]
    if kind == "list<map>":
        value = raw if isinstance(raw, list) else json.loads(raw)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError("not a JSON list of objects")
        return value
    if kind == "map":
        if isinstance(raw, dict):
            return raw
        value = json.loads(raw)
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value
    return str(raw)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    kind: str
    doc: str
    params: tuple[Param, ...]
    columns: tuple[tuple[str, str], ...]
    text: str             # the whole file, header included: runnable as is
    path: Path
    statements: tuple[str, ...] = field(default=())   # schema files: one per statement

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ParameterError(f"{self.name}: unknown parameter {name!r} (known: {', '.join(p.name for p in self.params) or 'none'})")

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]

    @property
    def writes(self) -> bool:
        """Whether the query changes the database: its kind decides write or read routing."""
        return self.kind not in ANALYST_KINDS


class QueryLibrary:
    """The named queries of a cypher/ folder."""

    def __init__(self, queries: dict[str, NamedQuery]):
        self._queries = queries

    def __getitem__(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownReport(f"no named query {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._queries

    def __iter__(self):
        return iter(sorted(self._queries.values(), key=lambda q: q.name))

    def of_kind(self, kind: str) -> list[NamedQuery]:
        return [q for q in self if q.kind == kind]


def _parse_default(raw: str | None, kind: str, where: str) -> tuple[Any, bool]:
    if raw is None:
        return None, True
    if raw in ("today", "policy"):
        return raw, False
    if raw == "null":
        return None, False
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw.strip("'\"")
    try:
        return _coerce(kind, value), False
    except (ValueError, TypeError) as exc:
        raise QueryLoadError(f"{where}: default {raw!r} is not a {kind} ({exc})") from None


def parse_query_file(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    header: list[tuple[int, str, str]] = []
    body_start = len(lines)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if not line.lstrip().startswith("//"):
            body_start = number - 1
            break
        match = _HEADER.match(line.strip())
        if match:
            header.append((number, match["key"], match["value"]))
        elif header and line.strip().startswith("//"):
            continue   # free comment lines inside the header are allowed
    if not header or header[0][1] != "name":
        raise QueryLoadError(f"{path}:1: a query file must start with '// name: <name>'")
    name = kind = None
    doc: list[str] = []
    params: list[Param] = []
    columns: list[tuple[str, str]] = []
    seen_params: set[str] = set()
    for number, key, value in header:
        where = f"{path}:{number}"
        if key == "name":
            if name is not None:
                raise QueryLoadError(f"{where}: a second 'name' line")
            if not _NAME.match(value):
                raise QueryLoadError(f"{where}: name {value!r} must be lowercase letters, digits and _")
            name = value
        elif key == "kind":
            if value not in KINDS:
                raise QueryLoadError(f"{where}: kind {value!r} is not one of {', '.join(KINDS)}")
            kind = value
        elif key == "doc":
            doc.append(value)
        elif key == "param":
            match = _PARAM.match(value)
            if not match:
                raise QueryLoadError(f"{where}: expected 'param: NAME TYPE [= DEFAULT] -- description'")
            if match["type"] not in PARAM_TYPES:
                raise QueryLoadError(f"{where}: parameter type {match['type']!r} is not one of {', '.join(PARAM_TYPES)}")
            if match["name"] in seen_params:
                raise QueryLoadError(f"{where}: parameter {match['name']!r} declared twice")
            seen_params.add(match["name"])
            default, required = _parse_default(match["default"], match["type"], where)
            params.append(Param(match["name"], match["type"], default, match["doc"], required))
        elif key == "column":
            match = _COLUMN.match(value)
            if not match:
                raise QueryLoadError(f"{where}: expected 'column: NAME -- description'")
            columns.append((match["name"], match["doc"]))
        else:
            raise QueryLoadError(f"{where}: unknown header key {key!r} (name, kind, doc, param, column)")
    if kind is None:
        raise QueryLoadError(f"{path}:{header[0][0]}: missing '// kind: ...' line")
    if not doc:
        raise QueryLoadError(f"{path}:{header[0][0]}: missing '// doc: ...' line")
    body = "\n".join(lines[body_start:])
    if not body.strip():
        raise QueryLoadError(f"{path}: the file has a header but no query")
    used: dict[str, int] = {}
    blanked = _NOISE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), body)
    for offset, line in enumerate(blanked.splitlines()):
        for use in _USE.findall(line):
            used.setdefault(use, body_start + offset + 1)
    for use, number in used.items():
        if use not in seen_params:
            raise QueryLoadError(f"{path}:{number}: parameter ${use} is used but not declared")
    for p in params:
        if p.name not in used:
            line = next(n for n, k, v in header if k == "param" and v.startswith(p.name + " "))
            raise QueryLoadError(f"{path}:{line}: parameter {p.name!r} is declared but not used")
    statements: tuple[str, ...] = ()
    if kind == "schema":
        statements = tuple(s.strip() for s in re.split(r";\s*$", strip_comments(body), flags=re.M) if s.strip())
    return NamedQuery(name, kind, " ".join(doc), tuple(params), tuple(columns), text, path, statements)


def strip_comments(body: str) -> str:
    """Cypher text without its `//` comment lines (a schema file's statements; a wrapper's placeholder notes)."""
    return "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("//"))


def load_library(folder: Path | None = None) -> QueryLibrary:
    """Every .cypher file under `folder`, in any sub-folder; names are unique across all of them."""
    folder = folder or cypher_dir()
    queries: dict[str, NamedQuery] = {}
    for path in sorted(folder.rglob("*.cypher")):
        query = parse_query_file(path)
        if query.name in queries:
            first = queries[query.name].path.relative_to(folder)
            raise QueryLoadError(f"{path}:1: duplicate query name {query.name!r} (also in {first})")
        queries[query.name] = query
    if not queries:
        raise QueryLoadError(f"{folder}: no .cypher files")
    return QueryLibrary(queries)


@lru_cache(maxsize=1)
def library() -> QueryLibrary:
    """The packaged cypher/ library, loaded once per process (it is read-only data)."""
    return load_library()


# -- binding parameters: the one place a caller's raw values become a query's typed parameters ----------
@dataclass(frozen=True)
class Bound:
    """A query's parameters once bound: the day, the caller's own values, and the policy in force.

    `policy` already carries any policy setting the caller overrode (e.g. min_per_tier for one
    run), so a Cypher file and its embedded twin read the same numbers.
    """

    as_of: date | None
    values: dict[str, Any]
    policy: Policy

    def query_params(self, query: NamedQuery) -> dict[str, Any]:
        """The parameter map `query` declares: the day, the caller's values and the policy settings."""
        from_policy = self.policy.as_params()
        out: dict[str, Any] = {}
        for p in query.params:
            if p.default == "today":
                out[p.name] = self.as_of
            elif p.default == "policy":
                out[p.name] = from_policy[p.name]
            else:
                out[p.name] = self.values.get(p.name, p.default)
        return out


def bind(params: tuple[Param, ...], raw: dict[str, Any], policy: Policy, *, owner: str,
         as_of: date | None = None) -> Bound:
    """Type `raw` by the declarations in `params`; refuse unknown or missing ones.

    A `today` parameter (as_of) comes from `raw`, else `as_of`, else today; a `policy` parameter
    given in `raw` overrides that policy setting for this run; the rest are the caller's values.
    """
    known = {p.name: p for p in params}
    for name in raw:
        if name not in known:
            names = ", ".join(p.name for p in params) or "none"
            raise ParameterError(f"{owner}: unknown parameter {name!r} (it takes: {names})")
    day = as_of
    values: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    for p in params:
        given = raw.get(p.name)
        if p.default == "today":
            day = p.coerce(given) if given not in (None, "") else (day or date.today())
        elif p.default == "policy":
            if given not in (None, ""):
                overrides[p.name] = p.coerce(given)
        elif given is not None:
            values[p.name] = p.coerce(given)
        elif p.required:
            raise ParameterError(Message("{owner}: parameter {name!r} is required ({doc})", p.name, owner=owner,
                                         name=p.name, doc=p.doc))
        else:
            values[p.name] = p.default
    return Bound(day, values, policy.overridden(overrides) if overrides else policy)

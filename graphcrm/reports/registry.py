"""The report registry: one entry per report, and the decorator by which each embedded twin registers itself.

An entry says everything graphcrm knows about one report: the .cypher file Neo4j runs (the report
itself, or the extraction query a networkx report starts from), the Python twin the embedded store
runs instead, what is done to the rows after either store (a networkx algorithm, a reshaping), its
summary, and its headline figures (the dashboard and the trends read them). Nothing outside an
entry knows anything about a particular report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from graphcrm.queries import Bound, NamedQuery, Param, library

__all__ = ["Report", "Headline", "ReportResult", "twin", "twins", "Rows", "Finish"]

Rows = list[dict[str, Any]]
#: After either store: (rows, bound parameters, tier keys by level on demand) -> the report's rows.
Finish = Callable[[Rows, Bound, Callable[[], list[str]]], Rows]


@dataclass
class ReportResult:
    report: str
    as_of: date
    params: dict[str, Any]
    policy: dict[str, Any]
    columns: list[str]
    rows: list[dict[str, Any]]
    summary: dict[str, Any] | None = None


@dataclass(frozen=True)
class Headline:
    """One figure a report stands for on the dashboard and in trends (e.g. clients with a coverage gap)."""

    key: str
    label: str
    value: Callable[[ReportResult], float]
    #: Parameters chosen on each day from other reports (e.g. the busiest person): (run) -> params,
    #: where run(name, params) runs another report on the same day.
    params: Callable[[Callable[[str, dict[str, Any]], ReportResult]], dict[str, Any]] | None = None
    #: What a higher figure means: "worse" (gaps, risks) or "better" (coverage, capture).
    worse_when: str = "higher"


_TWINS: dict[str, Callable[..., Rows]] = {}


def twin(query: str) -> Callable[[Callable[..., Rows]], Callable[..., Rows]]:
    """Register the decorated function as the embedded twin of cypher query `query`.

    A twin takes (index, bound) and returns the rows the Cypher file returns, in its order. Its
    docstring names the file it mirrors; a test holds the two lists (twins, queries) equal.
    """

    def register(function: Callable[..., Rows]) -> Callable[..., Rows]:
        if query in _TWINS:
            raise ValueError(f"two embedded twins of {query}: {_TWINS[query].__name__} and {function.__name__}")
        _TWINS[query] = function
        function.twin_of = query          # type: ignore[attr-defined]
        return function

    return register


def twins() -> dict[str, Callable[..., Rows]]:
    """Every registered twin by the query it mirrors."""
    return dict(_TWINS)


@dataclass(frozen=True)
class Report:
    """One report: where its rows come from on each store, and what is made of them.

    `doc`, `params` and `columns` default to the header of the report's .cypher file; a networkx
    report, whose file is an extraction, declares its own.
    """

    name: str
    query: str                                   # the .cypher file run on Neo4j (a report, or an extraction)
    doc: str = ""
    params: tuple[Param, ...] = ()               # every parameter: the day, policy settings and the user's own
    columns: tuple[tuple[str, str], ...] = ()    # (name, what it means), in row order
    finish: Finish | None = None                 # a networkx algorithm or a reshaping, after either store
    summary: Callable[[Rows, Bound], dict[str, Any]] | None = None
    headlines: tuple[Headline, ...] = ()
    #: Parameters holding ids that must exist (param -> "staff" | "client" | "team" | "node").
    ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        named = library()[self.query]
        for attribute, value in (("doc", named.doc), ("params", named.params), ("columns", named.columns)):
            if not getattr(self, attribute):
                object.__setattr__(self, attribute, value)

    @property
    def named(self) -> NamedQuery:
        return library()[self.query]

    @property
    def engine(self) -> str:
        """'cypher' when the report file gives the rows, 'nx' when networkx computes them from an extraction."""
        return "nx" if self.named.kind == "extract" else "cypher"

    @property
    def twin(self) -> Callable[..., Rows] | None:
        return _TWINS.get(self.query)

    @property
    def user_params(self) -> tuple[Param, ...]:
        """What a person sets: every parameter but the day and the policy settings."""
        return tuple(p for p in self.params if p.default not in ("today", "policy"))

    @property
    def policy_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.default == "policy")

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]

"""A report's parameter form (report pages and the console): one input per parameter, read back into typed values.

Every parameter a report declares gets an input a person can use without knowing its type: a date
picker for days, a number for numbers, a select for a fixed set of values, a picker with
suggestions by name or id for ids (the registry's `ids` says which kind), and one number per grade
(or per stage) for the policy tables. Every policy setting the report reads can be set for one
run; an empty input keeps the configured policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from graphcrm.config import Policy
from graphcrm.errors import Message, ParameterError
from graphcrm.model import GRADE_ORDER
from graphcrm.queries import Param

__all__ = ["Field", "form_fields", "raw_values", "GRADE_TABLES", "CHOICES"]

#: Policy settings that hold one number per grade, and the one that holds one per stage.
GRADE_TABLES = ("min_per_tier", "max_silence_days", "weight")
STAGE_TABLE = "max_stage_days"
#: Parameters whose values are a fixed set (a select offers them).
CHOICES: dict[str, tuple[str, ...]] = {"by": ("count", "value")}
_NUMBERS = ("int", "float")


@dataclass
class Field:
    """One input of the form."""

    param: Param
    kind: str                     # date, number, text, select, picker, grades, stages, bool
    value: Any                    # what the person typed (a dict of them for grades and stages)
    default: Any                  # the configured or declared value, shown as the placeholder
    policy: bool = False
    choices: tuple[str, ...] = ()
    ids: str | None = None        # the kind of id a picker suggests (staff, client, team, node)
    multiple: bool = False

    @property
    def given(self) -> bool:
        """Whether the person typed anything into it."""
        return any(str(v).strip() for v in self.value.values()) if isinstance(self.value, dict) else bool(str(self.value).strip())


def form_fields(params: tuple[Param, ...], ids: Mapping[str, str], policy: Policy, tiers: list[str],
                args: Mapping[str, str]) -> list[Field]:
    """The inputs for `params` (the day is the page's own), filled with what `args` carried."""
    configured = policy.as_params()
    fields = []
    for p in params:
        if p.default == "today":
            continue
        if p.default == "policy":
            default = configured.get(p.name)
            if p.name in GRADE_TABLES:
                value = {g: args.get(f"{p.name}.{g}", "") for g in GRADE_ORDER}
                fields.append(Field(p, "grades", value, default, policy=True))
            elif p.name == STAGE_TABLE:
                value = {t: args.get(f"{p.name}.{t}", "") for t in tiers}
                fields.append(Field(p, "stages", value, {t: policy.stage_limit(t) for t in tiers}, policy=True))
            else:
                fields.append(Field(p, "number" if p.type in _NUMBERS else "text", args.get(p.name, ""), default,
                                    policy=True))
            continue
        value = args.get(p.name, "")
        if p.name in ids:
            fields.append(Field(p, "picker", value, p.default, ids=ids[p.name], multiple=p.type.startswith("list")))
        elif p.name in CHOICES:
            fields.append(Field(p, "select", value, p.default, choices=CHOICES[p.name]))
        elif p.type == "date":
            fields.append(Field(p, "date", value, p.default))
        elif p.type in _NUMBERS:
            fields.append(Field(p, "number", value, p.default))
        elif p.type == "bool":
            fields.append(Field(p, "select", value, p.default, choices=("true", "false")))
        else:
            fields.append(Field(p, "text", value, p.default))
    return fields


def _whole(raw: str, field: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ParameterError(Message("expected a whole number, got {value!r}", field, value=raw)) from None
    if value < 0:
        raise ParameterError(Message("must not be negative, got {value}", field, value=value))
    return value


def raw_values(params: tuple[Param, ...], args: Mapping[str, str], tiers: list[str]) -> dict[str, Any]:
    """What the form asked for, as the report binder takes it: the person's values as typed, policy tables as numbers.

    Empty inputs are left out (the declared default or the configured policy holds); the day is the page's own.
    """
    raw: dict[str, Any] = {}
    for p in params:
        if p.default == "today":
            continue
        if p.name in GRADE_TABLES and p.default == "policy":
            table = {g: _whole(args[f"{p.name}.{g}"], f"{p.name}.{g}") for g in GRADE_ORDER
                     if (args.get(f"{p.name}.{g}") or "").strip()}
            if table:
                raw[p.name] = table
        elif p.name == STAGE_TABLE and p.default == "policy":
            table = {t: _whole(args[f"{p.name}.{t}"], f"{p.name}.{t}") for t in tiers
                     if (args.get(f"{p.name}.{t}") or "").strip()}
            if table:
                raw[p.name] = table
        elif (args.get(p.name) or "").strip():
            raw[p.name] = args[p.name].strip()
    return raw

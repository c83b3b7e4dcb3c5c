"""What the JSON API accepts and answers: one pydantic model per endpoint, the same one /api/openapi.json publishes.

An API view declares its contract once with `@endpoint(summary, body=Model, query=Model, answer=...)`:
the request is validated against those models before the view runs (a 400 that names the field,
never a 500), the view receives the validated `body` and `query`, and the OpenAPI document is
generated from the same declaration (graphcrm.webapp.openapi). A route under /api/ without it
fails tests/test_schemas.py.

Strict types everywhere in bodies: no number from a string, no boolean as a number, no NaN or
infinity, no control characters or lone surrogates in text, no list or object where a string is
expected, days and moments within the years 1900-2999, and no unknown fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import wraps
from typing import Annotated, Any, Callable, Literal

from flask import current_app, request
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, WithJsonSchema,
                      model_validator)

from graphcrm.errors import GraphCRMError, InvalidRequest, Message
from graphcrm.graphview import PAGE, SEARCH_PAGE
from graphcrm.times import parse_day, parse_moment

__all__ = ["endpoint", "Endpoint", "Body", "Query", "ERROR", "TEXT_PATTERN", "validation_message", "parse_form", "FORM_BODIES", "day_value", "people"]

EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
#: Text a person typed: anything printable, tabs and line breaks, never NUL or other control characters.
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"
#: The same, with at least one character that is not white space.
FILLED_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f]" \
                 "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"
#: An id or key: printable, no spaces at the ends, no control characters.
ID_PATTERN = "^[^\\u0000-\\u001f\\u007f]+$"


def _clean_text(value: str) -> str:
    for ch in value:
        code = ord(ch)
        if (code < 32 and ch not in "\t\n\r") or code == 0x7F:
            raise ValueError(f"contains the control character U+{code:04X}")
        if 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"contains a lone surrogate U+{code:04X} (not valid Unicode)")
    return value


def _clean_id(value: str) -> str:
    _clean_text(value)
    if any(ch in "\t\n\r" for ch in value):
        raise ValueError("an id holds no tabs or line breaks")
    return value


def _within(day: date, slack: int = 0) -> date:
    if not EARLIEST - timedelta(days=slack) <= day <= LATEST + timedelta(days=slack):
        raise ValueError(f"{day.isoformat()} is outside {EARLIEST.year}-{LATEST.year}")
    return day


def _to_day(value: str) -> date:
    try:
        day = parse_day(value, "day")
    except GraphCRMError:
        raise ValueError("expected YYYY-MM-DD") from None
    if day is None:
        raise ValueError("expected YYYY-MM-DD")
    return _within(day)


def _to_moment(value: str, info: ValidationInfo) -> datetime:
    zone = (info.context or {}).get("zone") or timezone.utc        # a time without an offset is the organisation's
    try:
        moment = parse_moment(value, "at", zone)
    except (GraphCRMError, OverflowError):
        raise ValueError("expected an ISO 8601 date-time, e.g. 2026-03-01T09:30:00Z") from None
    if moment is None:
        raise ValueError("expected an ISO 8601 date-time, e.g. 2026-03-01T09:30:00Z")
    _within(moment.date(), slack=1)         # an offset may move the first or last day across a year
    return moment


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or blank")
    return value


def day_value(raw: Any, field: str) -> date | None:
    """A day typed into a page's form or query string, checked as the API checks a Day (None when empty)."""
    if raw in (None, ""):
        return None
    try:
        return _to_day(str(raw))
    except ValueError as exc:
        raise InvalidRequest(f"{field}: {exc}") from None


def Text(longest: int, blank: bool = True) -> Any:
    """A string of at most `longest` characters with no control characters or lone surrogates (`blank`: may be empty)."""
    if blank:
        return Annotated[str, Field(max_length=longest, pattern=TEXT_PATTERN), AfterValidator(_clean_text)]
    return Annotated[str, Field(min_length=1, max_length=longest, pattern=FILLED_PATTERN),
                     AfterValidator(_clean_text), AfterValidator(_not_blank)]


Id = Annotated[str, Field(min_length=1, max_length=100, pattern=ID_PATTERN), AfterValidator(_clean_id)]
#: Years 1900-2999, published as a pattern (JSON Schema has no range for dates).
_YEARS = "(19|2[0-9])[0-9]{2}"
Day = Annotated[str, AfterValidator(_to_day),
                WithJsonSchema({"type": "string", "format": "date", "pattern": f"^{_YEARS}-[0-9]{{2}}-[0-9]{{2}}$"})]
Moment = Annotated[str, AfterValidator(_to_moment),
                   WithJsonSchema({"type": "string", "format": "date-time", "pattern": f"^{_YEARS}-"})]
Amount = Annotated[float, Field(ge=-1e15, le=1e15)]


class Body(BaseModel):
    """A request body: strict JSON types, finite numbers, no field the endpoint does not know."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class Query(BaseModel):
    """Query-string parameters: text by nature, so whole numbers are read from their digits; nothing unknown."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


@dataclass
class Endpoint:
    """One API operation's contract, attached to its view and read by the OpenAPI generator."""

    summary: str
    body: type[Body] | None = None
    query: type[Query] | None = None
    answer: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    tag: str = "read"
    public: bool = False            # served without a login (only the OpenAPI document itself)


def validation_message(exc: ValidationError, where: str) -> str:
    """Every problem of a request, each naming its field: 'body.amount: Input should be a finite number'."""
    found: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        # A union's branches appear as extra path steps ("function-after[...]", "int"): the field is what counts.
        steps = [str(p) for p in error["loc"] if isinstance(p, int) or not _BRANCH.search(str(p))]
        path = ".".join([where] + [s if s.isprintable() else repr(s) for s in steps])
        found.setdefault(path, error["msg"].removeprefix("Value error, "))
    return "; ".join(f"{path}: {message}" for path, message in found.items())


_BRANCH = re.compile(r"[\[\](]|^(int|float|bool|str|list|dict|none|constrained-str)$")


def _context() -> dict[str, Any]:
    """What validation needs to know of this app: the organisation's time zone (config [organisation] timezone)."""
    return {"zone": current_app.extensions["graphcrm"].settings.policy.zone}


def parse_body(model: type[Body]) -> Body:
    """The request's JSON body, validated strictly against `model` (ParameterError naming the field otherwise)."""
    if not request.is_json:
        raise InvalidRequest("expected a JSON body (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    try:
        # Python's own parser, so a lone surrogate reaches the model and is refused naming its field.
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidRequest("body: not UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest(f"body: not valid JSON ({str(exc)[:100]})") from None
    try:
        return model.model_validate(data, strict=True, context=_context())
    except ValidationError as exc:
        raise InvalidRequest(validation_message(exc, "body")) from None


def parse_query(model: type[Query], passthrough: bool = False) -> Query:
    """The query string, validated against `model`; a parameter given twice is refused, not silently chosen."""
    args = request.args.to_dict(flat=False)
    repeated = sorted(k for k, v in args.items() if len(v) > 1)
    if repeated:
        raise InvalidRequest(f"query.{repeated[0]}: given more than once")
    try:
        return model.model_validate({k: v[0] for k, v in args.items()})
    except ValidationError as exc:
        raise InvalidRequest(validation_message(exc, "query")) from None


def endpoint(summary: str, *, body: type[Body] | None = None, query: type[Query] | None = None,
             answer: dict[str, Any] | None = None, tag: str | None = None, public: bool = False) -> Callable:
    """Declare an API view's contract: validate `body` and `query` before it runs, publish them in OpenAPI.

    The view is called with `body=` and/or `query=` (the validated models) besides its path arguments.
    """
    contract = Endpoint(summary, body, query, answer or {"type": "object"}, tag or ("write" if body else "read"), public)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def validated(*args, **kwargs):
            if query is not None:
                kwargs["query"] = parse_query(query)
            elif request.args:
                raise InvalidRequest(f"query.{next(iter(request.args))}: this endpoint takes no query parameters")
            if body is not None:
                kwargs["body"] = parse_body(body)
            return view(*args, **kwargs)

        validated.contract = contract
        return validated
    return decorate


# -- the bodies ------------------------------------------------------------------------------------
class _Recorded(Body):
    at: Moment | None = Field(None, description="when it happened (default: now); never in the future")
    summary: Text(2000) | None = None
    id: Id | None = Field(None, description="client-supplied id: a retry records nothing twice; "
                                            "the same id with other content is a 409")


class InteractionBody(_Recorded):
    kind: Literal["contact", "communication", "transaction"]
    staff: list[Id] | None = Field(None, max_length=50, description="other staff who took part")
    amount: Amount | None = None


#: Who took part: staff ids (a staff login takes part itself; everyone else names at least one).
_People = Annotated[list[Id] | None, Field(None, max_length=50, description="the staff who took part")]


class AssessmentBody(_Recorded):
    grade: Literal["A", "B", "C"]
    score: Annotated[float, Field(ge=0, le=100)] | None = None
    staff: _People = None


class HandoverBody(_Recorded):
    stage: Id = Field(description="the tier key the client moves to (always chosen: there is no default move)")
    staff: _People = None
    back: bool = Field(False, description="confirms a move to an earlier stage (refused without it)")


class NeedBody(Body):
    summary: Text(2000, blank=False)
    detected: Day | None = Field(None, description="the day it was detected (default: today); never in the future")
    source: Text(200) | None = None
    staff: Id | None = Field(None, description="who captured it (a staff login always records itself)")
    id: Id | None = None


class AssignBody(Body):
    staff: Id
    client: Id
    tier: Id
    role: Literal["lead", "backup"] = "lead"
    since: Day | None = None
    exception: Text(2000) | None = Field(None, description="why someone outside the stage's tier covers it "
                                                          "(required then; audited)")


class ReleaseBody(Body):
    staff: Id
    client: Id
    tier: Id
    until: Day | None = None


_Scalar = Annotated[str, Field(max_length=10_000, pattern=TEXT_PATTERN), AfterValidator(_clean_text)] | int | float | bool
_NAME = "^[A-Za-z_][A-Za-z0-9_]*$"
_ParamName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_clean_id)]
_PARAMS_SCHEMA = {"type": "object", "maxProperties": 50,
                  "propertyNames": {"maxLength": 100, "minLength": 1, "pattern": ID_PATTERN},
                  "additionalProperties": {"anyOf": [
                      {"type": "string", "maxLength": 10_000, "pattern": TEXT_PATTERN}, {"type": "number"}, {"type": "boolean"},
                      {"type": "array", "items": {"anyOf": [{"type": "string", "maxLength": 10_000, "pattern": TEXT_PATTERN},
                                                            {"type": "number"}, {"type": "boolean"}]}}]}}


class QueryBody(Body):
    """Exactly one of `name` and `cypher`; `params` typed in as the console's form does (text, numbers, lists)."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["name"]}, {"required": ["cypher"]}]})

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=_NAME)] = Field(
        None, description="a named query of the catalogue (never a file path)")
    cypher: Text(20_000, blank=False) = Field(None, description="ad-hoc read-only Cypher")
    params: Annotated[dict[_ParamName, _Scalar | list[_Scalar]], Field(max_length=50), WithJsonSchema(_PARAMS_SCHEMA)] = None

    @model_validator(mode="after")
    def one_of_name_or_cypher(self):
        if (self.name is None) == (self.cypher is None):
            raise ValueError("give either name (a named query) or cypher (ad-hoc text), not both or neither")
        return self

    def raw_params(self) -> dict[str, str]:
        """Parameters as the binder reads typed-in values: lists comma-separated, booleans in words."""
        def text(v: Any) -> str:
            if isinstance(v, bool):
                return "true" if v else "false"
            if isinstance(v, list):
                return ",".join(text(x) for x in v)
            return str(v)
        return {k: text(v) for k, v in (self.params or {}).items()}


#: The client page's forms: action -> (the body model its fields are checked against, form field -> body field).
FORM_BODIES: dict[str, tuple[type[Body], dict[str, str]]] = {
    "log": (InteractionBody, {}), "need": (NeedBody, {"captured": "staff"}), "assess": (AssessmentBody, {}),
    "handover": (HandoverBody, {"confirm": "back"}), "assign": (AssignBody, {"staff_id": "staff", "reason": "exception"}),
    "release": (ReleaseBody, {"staff_id": "staff"}),
}
_FORM_NUMBERS = ("amount", "score")
_FORM_IGNORED = ("csrf_token", "next")          # the form's token and where it goes back to: not the change's


def people(raw: str | None) -> list[str]:
    """Staff ids from a participants field: commas, semicolons or spaces between them."""
    return [part for part in (raw or "").replace(";", ",").replace(" ", ",").split(",") if part]


def parse_form(action: str, client: str, form: Any = None) -> Body:
    """A client page form, checked against the same model as its API endpoint (InvalidRequest naming the form's field)."""
    model, renames = FORM_BODIES[action]
    data: dict[str, Any] = {}
    for key, value in (request.form if form is None else form).items():
        if key not in _FORM_IGNORED and value != "":
            data[renames.get(key, key)] = value
    if "client" in model.model_fields:
        data["client"] = client
    if "back" in data:
        data["back"] = data["back"] == "back"       # the confirmation box names the step back it confirms
    if "staff" in data and model is not NeedBody and "staff" not in renames.values():
        data["staff"] = people(data["staff"])       # who took part: a list
    for name in _FORM_NUMBERS:
        if name in data:
            try:
                data[name] = float(str(data[name]).replace(",", ""))  # "nan" and "inf" become floats the model refuses
            except ValueError:
                pass                                    # left as text: the model says it is not a number
    try:
        return model.model_validate(data, strict=True, context=_context())
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]["loc"]
        named = {body: shown for shown, body in renames.items()}
        field = named.get(str(first[0]), str(first[0])) if first else None
        raise InvalidRequest(Message("{problem}", field, problem=validation_message(exc, "form"))) from None


# -- the query strings ---------------------------------------------------------------------------
class AsOfQuery(Query):
    as_of: Day | None = Field(None, description="the day the answer is as of (default: today)")


class ReportQuery(AsOfQuery):
    """as_of, plus the report's own parameters (checked by the report's binder, see GET /api/reports)."""

    model_config = ConfigDict(extra="allow")


class SearchQuery(Query):
    q: Text(100)


class NeighbourhoodQuery(AsOfQuery):
    label: Literal["Client", "Staff", "Team", "Tier"]
    key: Id
    limit: Annotated[int, Field(ge=1, le=500)] = 60


class OpeningQuery(AsOfQuery):
    """The explorer's opening view and team list: as_of only (staff users see today, their reach)."""


class NeighboursQuery(AsOfQuery):
    label: Literal["Client", "Staff", "Team", "Tier"]
    key: Id
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    limit: Annotated[int, Field(ge=0, le=1000)] = PAGE


class FindQuery(AsOfQuery):
    q: Text(100)
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    limit: Annotated[int, Field(ge=1, le=100)] = SEARCH_PAGE


class PathQuery(AsOfQuery):
    """Two node ids; `from` is a Python keyword, so the field is `start` published under its alias."""

    start: Id = Field(alias="from")
    end: Id = Field(alias="to")
    max_hops: Annotated[int, Field(ge=0, le=12, description="0 or absent: the report's default")] = 0


class LookupQuery(Query):
    kind: Literal["staff", "clients", "teams", "node"] = "staff"
    q: Text(100) = ""
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class TrendQuery(Query):
    """`from` and `to` are Python keywords' neighbours: published under their aliases."""

    start: Day = Field(alias="from", description="the first day of the trend")
    end: Day = Field(alias="to", description="the last day (always a point)")
    every: Literal["week", "month"] = "month"


class PlanApplyBody(Body):
    fingerprint: Annotated[str, Field(min_length=1, max_length=100, pattern=ID_PATTERN), AfterValidator(_clean_id)] = Field(
        description="summary.fingerprint of the coverage plan reviewed: a different plan now is refused (409)")
    as_of: Day | None = Field(None, description="the day the plan was made for (default: today)")
    leaving: list[Id] = Field(default_factory=list, max_length=200, description="the leavers the plan was made with")


class AuditQuery(Query):
    actor: Text(200) | None = None
    action: Text(50) | None = None
    target: Text(200) | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


# -- the answers -----------------------------------------------------------------------------------
ERROR = {"type": "object", "required": ["error", "kind"],
         "properties": {"error": {"type": "string"}, "kind": {"type": "string"}}}
_NULLABLE_TEXT = {"type": ["string", "null"]}
ME = {"type": "object", "required": ["email", "role", "staff"],
      "properties": {"email": {"type": "string"}, "role": {"type": "string"}, "staff": _NULLABLE_TEXT}}
TIERS = {"type": "array", "items": {"type": "object", "required": ["key", "level", "name"], "properties": {
    "key": {"type": "string"}, "level": {"type": "integer"}, "name": _NULLABLE_TEXT}}}
CATALOGUE = {"type": "array", "items": {"type": "object", "required": ["name", "doc", "columns", "params"], "properties": {
    "name": {"type": "string"}, "doc": {"type": "string"}, "columns": {"type": "array", "items": {"type": "string"}},
    "params": {"type": "array", "items": {"type": "object", "required": ["name", "type", "required"]}}}}}
REPORT = {"type": "object", "required": ["report", "as_of", "params", "policy", "rows"], "properties": {
    "report": {"type": "string"}, "as_of": {"type": "string", "format": "date"}, "params": {"type": "object"},
    "policy": {"type": "object"}, "rows": {"type": "array", "items": {"type": "object"}}, "summary": {"type": "object"}}}
SEARCH = {"type": "array", "items": {"type": "object"}}
LOOKUP = {"type": "array", "items": {"type": "object", "required": ["id", "name", "kind"], "properties": {
    "id": {"type": "string"}, "name": _NULLABLE_TEXT, "kind": {"type": "string"}, "tier": _NULLABLE_TEXT}}}
TEAMS = {"type": "array", "items": {"type": "object", "required": ["key", "name"], "properties": {
    "key": {"type": "string"}, "name": _NULLABLE_TEXT}}}
CLIENT = {"type": "object", "required": ["client", "grade", "stage", "coverage", "interactions", "needs", "actions", "changes"]}
STAFF = {"type": "object", "required": ["staff", "active", "coverage", "clients", "impact", "repair", "changes"]}
TREND = {"type": "object", "required": ["trend", "series", "points", "computed", "cached"], "properties": {
    "trend": {"type": "object", "required": ["from", "to", "every"]},
    "series": {"type": "array", "items": {"type": "object", "required": ["key", "label", "report", "worse_when"]}},
    "points": {"type": "array", "items": {"type": "object", "required": ["day"]}},
    "computed": {"type": "integer"}, "cached": {"type": "integer"}}}
CHANGED = {"type": "object", "required": ["message", "audit", "records"], "properties": {
    "message": {"type": "string"}, "audit": _NULLABLE_TEXT, "records": {"type": "object"}}}
ANALYST = {"type": "object", "required": ["columns", "rows", "truncated"], "properties": {
    "columns": {"type": "array", "items": {"type": "string"}}, "rows": {"type": "array", "items": {"type": "object"}},
    "truncated": {"type": "boolean"}}}
AUDIT = {"type": "array", "items": {"type": "object", "required": ["at", "actor", "action", "target", "before", "after", "id"],
                                    "properties": {"at": {"type": "string"}, "actor": {"type": "string"},
                                                   "action": {"type": "string"}, "target": {"type": "string"},
                                                   "before": _NULLABLE_TEXT, "after": _NULLABLE_TEXT,
                                                   "id": {"type": "string"}}}}

"""The OpenAPI 3.1 description of /api/, served at /api/openapi.json, generated from the route table and each view's contract.

Request bodies and query parameters are the pydantic models the views validate with
(graphcrm.webapp.schemas), so the document cannot drift from what the server accepts.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from graphcrm.webapp.schemas import ERROR, Endpoint

__all__ = ["document", "contract_of"]

_REF = "#/components/schemas/{model}"
#: What every operation may answer besides its 200, and why.
_ERRORS = {
    "400": "invalid request: the message names each bad field, or the change breaks a rule",
    "401": "not logged in, or the session or token was revoked, expired or belongs to someone who left",
    "403": "not allowed: the message names the rule",
    "404": "no such client, staff member, report or query",
    "413": "request body too large",
    "503": "the database cannot be reached",
}
_WRITE_ERRORS = {"409": "the id is already used for other content; nothing was written"}
_QUERY_ERRORS = {"408": "the query reached its time limit"}


def contract_of(app: Flask, endpoint_name: str) -> Endpoint | None:
    return getattr(app.view_functions.get(endpoint_name), "contract", None)


def _path_of(rule: str) -> str:
    return rule.replace("<", "{").replace(">", "}")


def _schema(model, components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=_REF)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _query_parameters(model, components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF)
    components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k not in ("title", "default")}
        description = prop.pop("description", None)
        if "anyOf" in prop:                         # Optional[X] in a query string is simply X, left out
            prop = next(p for p in prop["anyOf"] if p.get("type") != "null")
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        out.append(parameter)
    return out


def _operation(contract: Endpoint, arguments: list[str], components: dict[str, Any]) -> dict[str, Any]:
    errors = dict(_ERRORS)
    if contract.tag == "write":
        errors.update(_WRITE_ERRORS)
    if contract.tag == "console":
        errors.update(_QUERY_ERRORS)
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": contract.answer}}}}
    responses.update({status: {"description": why, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                      for status, why in sorted(errors.items())})
    parameters = [{"name": a, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}}
                  for a in arguments]
    if contract.query is not None:
        parameters += _query_parameters(contract.query, components)
    op: dict[str, Any] = {"summary": contract.summary, "tags": [contract.tag], "parameters": parameters, "responses": responses}
    if contract.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _schema(contract.body, components)}}}
    if contract.public:
        op["security"] = []
    return op


def document(app: Flask) -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR}
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        contract = contract_of(app, rule.endpoint)
        if not rule.rule.startswith("/api/") or contract is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path_of(rule.rule), {})[method.lower()] = _operation(contract, sorted(rule.arguments), components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "graphcrm API", "version": "1",
                 "description": "Coverage and key-person risk of a tiered big-account organisation. Authenticate with the "
                                "session cookie (and an X-CSRFToken header on writes) or 'Authorization: Bearer TOKEN' "
                                "(graphcrm users token EMAIL). Permissions are the UI's. Every body and query string is "
                                "validated against the schemas below: unknown fields, wrong types, non-finite numbers and "
                                "control characters in text are a 400 naming the field."},
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                           "session": {"type": "apiKey", "in": "cookie", "name": "session"}}},
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }

"""The OpenAPI 3.1 description of /api/, served at /api/openapi.json."""

from __future__ import annotations

__all__ = ["document"]


def _op(summary: str, params: list | None = None, body: dict | None = None, tag: str = "read") -> dict:
    op = {"summary": summary, "tags": [tag], "parameters": params or [],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "401": {"description": "not logged in"},
                        "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


#: Where a path parameter lives (OpenAPI's word; not the report of that name).
_IN_PATH = "path"


def _q(name: str, required: bool = False, kind: str = "string", where: str = "query") -> dict:
    return {"name": name, "in": where, "required": required or where == _IN_PATH, "schema": {"type": kind}}


_CHANGE = {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}, "summary": {"type": "string"},
                                            "id": {"type": "string", "description": "client-supplied id: a retry cannot record twice"}}}


def document() -> dict:
    client = _q("client_id", where=_IN_PATH)
    return {
        "openapi": "3.1.0",
        "info": {"title": "graphcrm API", "version": "1",
                 "description": "Coverage and key-person risk of a tiered big-account organisation. Authenticate with the "
                                "session cookie (and an X-CSRFToken header on writes) or 'Authorization: Bearer TOKEN' "
                                "(graphcrm users token EMAIL). Permissions are the UI's."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                           "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
                       "responses": {"Error": {"description": "refused or invalid", "content": {"application/json": {"schema": {
                           "type": "object", "properties": {"error": {"type": "string"}, "kind": {"type": "string"}}}}}}}},
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/me": {"get": _op("the logged-in user")},
            "/api/reports": {"get": _op("the report catalogue with parameters and columns")},
            "/api/tiers": {"get": _op("the tiers in stage order")},
            "/api/reports/{name}": {"get": _op("run a report: ?as_of=YYYY-MM-DD and its parameters",
                                               [_q("name", where=_IN_PATH), _q("as_of")])},
            "/api/graph/search": {"get": _op("clients, staff and teams by id or name", [_q("q", True)])},
            "/api/graph/neighbourhood": {"get": _op("a node and its active neighbours, capped (total says how many)",
                                                    [_q("label", True), _q("key", True), _q("limit", kind="integer"), _q("as_of")])},
            "/api/clients/{client_id}": {"get": _op("a client: coverage by tier, teams, grade history, timeline, needs, risk flags",
                                                    [client, _q("as_of")])},
            "/api/staff/{staff_id}": {"get": _op("a staff member: load, clients, teams, departure impact",
                                                 [_q("staff_id", where=_IN_PATH), _q("as_of")])},
            "/api/clients/{client_id}/interactions": {"post": _op("log a contact, communication or transaction", [client], {
                **_CHANGE, "required": ["kind"], "properties": {**_CHANGE["properties"], "kind": {"type": "string", "enum": ["contact", "communication", "transaction"]},
                                                                 "staff": {"type": "array", "items": {"type": "string"}}, "amount": {"type": "number"}}}, "write")},
            "/api/clients/{client_id}/assessments": {"post": _op("record an assessment", [client], {
                **_CHANGE, "required": ["grade"], "properties": {**_CHANGE["properties"], "grade": {"type": "string", "enum": ["A", "B", "C"]},
                                                                  "score": {"type": "number"}}}, "write")},
            "/api/clients/{client_id}/handovers": {"post": _op("hand the client over to a stage", [client], {
                **_CHANGE, "required": ["stage"], "properties": {**_CHANGE["properties"], "stage": {"type": "string"}}}, "write")},
            "/api/clients/{client_id}/needs": {"post": _op("record a need", [client], {
                "type": "object", "required": ["summary"], "properties": {"summary": {"type": "string"}, "detected": {"type": "string", "format": "date"},
                                                                         "source": {"type": "string"}, "staff": {"type": "string"}, "id": {"type": "string"}}}, "write")},
            "/api/coverage": {"post": _op("assign coverage (managers, admins)", body={
                "type": "object", "required": ["staff", "client", "tier"], "properties": {
                    "staff": {"type": "string"}, "client": {"type": "string"}, "tier": {"type": "string"},
                    "role": {"type": "string", "enum": ["lead", "backup"]}, "since": {"type": "string", "format": "date"}}}, tag="write")},
            "/api/coverage/release": {"post": _op("end coverage (managers, admins)", body={
                "type": "object", "required": ["staff", "client", "tier"], "properties": {
                    "staff": {"type": "string"}, "client": {"type": "string"}, "tier": {"type": "string"},
                    "until": {"type": "string", "format": "date"}}}, tag="write")},
            "/api/reports/coverage_plan": {"get": _op(
                "the coverage plan (DESIGN 10): rows assign|release with a reason in words; summary with slots, before/after "
                "and the fingerprint to apply it with", [_q("as_of"), _q("leaving")])},
            "/api/reports/changes": {"get": _op(
                "what happened in the days since < d <= as_of (DESIGN 11)", [_q("as_of"), _q("since", True), _q("client"), _q("staff")])},
            "/api/reports/path": {"get": _op(
                "up to three who-knows-whom chains between two people, clients or teams (DESIGN 12)",
                [_q("as_of"), _q("from", True), _q("to", True), _q("max_hops", kind="integer")])},
            "/api/trend": {"get": _op("every report's headline figures from one day to another (past days cached)",
                                      [_q("from", True), _q("to", True), _q("every")])},
            "/api/plans/apply": {"post": _op("apply the coverage plan of a day as reviewed, as one audited change (managers, admins)", body={
                "type": "object", "required": ["fingerprint"], "properties": {
                    "as_of": {"type": "string", "format": "date"},
                    "leaving": {"type": "array", "items": {"type": "string"}},
                    "fingerprint": {"type": "string", "description": "summary.fingerprint of the plan reviewed: a different plan now is refused (409)"}}},
                tag="write")},
            "/api/query": {"post": _op("read-only Cypher (Neo4j): a named query or ad-hoc text", body={
                "type": "object", "properties": {"name": {"type": "string"}, "cypher": {"type": "string"}, "params": {"type": "object"}}})},
            "/api/audit": {"get": _op("the audit trail, newest first", [_q("actor"), _q("action"), _q("target"), _q("limit", kind="integer")])},
        },
    }

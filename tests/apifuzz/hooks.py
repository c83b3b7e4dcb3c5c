"""graphcrm's own schemathesis check: a request the published schema accepts is never refused by the schema check.

The built-in positive_data_acceptance check is told to accept 400 too, because a schema cannot say
which clients exist or who covers them (those refusals are business rules: kind ChangeRefused,
NotSupported...). What a schema CAN say, the server must agree with: a schema-valid request never
gets the server's own schema refusal (kind InvalidRequest), and a schema-invalid one always does
or is refused otherwise (negative_data_rejection).
"""

import schemathesis


@schemathesis.check
def published_schema_is_the_enforced_one(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    kind = (response.json() or {}).get("kind") if "json" in response.headers.get("content-type", [""])[0] else None
    if kind == "InvalidRequest":
        raise AssertionError(f"a request valid under /api/openapi.json was refused by the server's schema check: "
                             f"{response.json().get('error')}")
    return None

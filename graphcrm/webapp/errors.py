"""One error handler for the web: a GraphCRMError or an HTTP error becomes JSON under /api/ and an error page elsewhere."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from graphcrm.errors import GraphCRMError

__all__ = ["init_app", "error_response"]

_TITLES = {400: "Bad request", 401: "Not logged in", 403: "Not allowed", 404: "Not found", 408: "Too slow",
           409: "Conflict", 413: "Too large", 429: "Too many attempts", 500: "Server error", 503: "Unavailable"}


def error_response(status: int, message: str, kind: str):
    """The answer to a failed request: JSON for the API, a page for a person."""
    if request.path.startswith("/api/"):
        return jsonify(error=message, kind=kind), status
    return render_template("error.html", title=_TITLES.get(status, "Error"), message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(GraphCRMError)
    def graphcrm_error(exc: GraphCRMError):
        return error_response(exc.http_status, str(exc), exc.kind)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response = error_response(exc.code or 500, exc.description or exc.name, type(exc).__name__)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            # RFC 9110: a 405 says which methods the resource does allow.
            return response[0], response[1], {"Allow": ", ".join(sorted(exc.valid_methods))}
        return response

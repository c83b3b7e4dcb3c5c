"""The GraphCRMError family: every error a user can cause, with its message, CLI exit code and HTTP status.

Each class says once how it is reported: `exit_code` for the command line (one line on stderr),
`http_status` for the web UI and the JSON API. `graphcrm.cli` and `graphcrm.webapp` read these
two attributes and nothing else, so an error is reported the same way everywhere.
"""

from __future__ import annotations

__all__ = [
    "Message",
    "N_",
    "GraphCRMError",
    "ConfigError",
    "QueryLoadError",
    "MappingError",
    "StoreError",
    "StoreUnavailable",
    "ImportFailed",
    "TooLarge",
    "RowError",
    "QueryRefused",
    "QueryError",
    "QueryTimeout",
    "UnknownReport",
    "NotFound",
    "ParameterError",
    "InvalidRequest",
    "PermissionDenied",
    "NotAuthenticated",
    "ChangeRefused",
    "Conflict",
    "UserError",
    "NotSupported",
]


def N_(text: str) -> str:
    """Mark words the UI translates where they are written (the catalogue's extractor finds them); returns them as they are."""
    return text


class Message(str):
    """An English message that keeps its template, its values and the input field it is about.

    It is a plain string everywhere (the CLI prints it as it is); the web UI shows the template
    translated, filled with the same values, next to the field it names. Templates are written
    with `Message("...")` so the translation catalogue's extractor finds them.
    """

    template: str
    values: dict
    field: str | None

    def __new__(cls, template: str, field: str | None = None, **values):
        text = template.format(**values) if values else template
        made = super().__new__(cls, f"{field}: {text}" if field else text)
        made.template, made.values, made.field = template, values, field
        return made

    def __reduce__(self):
        return (_message, (self.template, self.field, self.values))


def _message(template: str, field: str | None, values: dict) -> Message:
    return Message(template, field, **values)


class GraphCRMError(Exception):
    """Base of every error graphcrm reports to a user (CLI: one line, API: JSON, pages: an error page)."""

    exit_code = 1
    http_status = 400

    @property
    def kind(self) -> str:
        return type(self).__name__

    @property
    def message(self) -> str:
        """The message as given: a `Message` when it was built as one (the UI translates those)."""
        return self.args[0] if self.args and isinstance(self.args[0], str) else str(self)

    @property
    def field(self) -> str | None:
        """The input field the error is about, when its message names one (a form shows it there)."""
        return getattr(self.message, "field", None)


class ConfigError(GraphCRMError):
    """A bad store URL, config file or policy value: the server's set-up, not the request."""

    exit_code = 2
    http_status = 500


class QueryLoadError(ConfigError):
    """A .cypher file whose header is wrong; names file and line."""


class MappingError(ConfigError):
    """A mapping file that cannot be used; names the file and the key. It comes with the request, so a 400."""

    http_status = 400


class StoreError(GraphCRMError):
    """The store refused or failed an operation; `code` is the database's own error code, when it gave one."""

    http_status = 500

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class StoreUnavailable(StoreError):
    """The database cannot be reached."""

    http_status = 503


class RowError:
    """One rejected input row: file, line, field and reason."""

    __slots__ = ("file", "line", "field", "reason")

    def __init__(self, file: str, line: int, field: str, reason: str):
        self.file, self.line, self.field, self.reason = file, line, field, reason

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"

    def __repr__(self) -> str:
        return f"RowError({str(self)!r})"


class ImportFailed(GraphCRMError):
    """An import was rejected before anything was written; carries every row error found."""

    exit_code = 3
    http_status = 400

    def __init__(self, errors: list[RowError], total: int | None = None):
        self.errors = errors
        self.total = total if total is not None else len(errors)
        first = str(errors[0]) if errors else "no rows"
        more = f" (and {self.total - 1} more)" if self.total > 1 else ""
        super().__init__(f"{first}{more}; nothing was imported")


class ImportInterrupted(GraphCRMError):
    """An import stopped part-way after its check had passed (a file changed under it): what it wrote before stays,
    and running it again finishes it (imports are idempotent)."""

    exit_code = 3
    http_status = 409


class TooLarge(GraphCRMError):
    """Input past a size bound (an upload that unpacks too far); nothing was read from it."""

    exit_code = 3
    http_status = 413


class QueryRefused(GraphCRMError):
    """An analyst query that is not read-only, or uses a forbidden feature."""

    exit_code = 4
    http_status = 403


class QueryError(GraphCRMError):
    """A query that failed on the server: syntax error, bad parameter."""

    exit_code = 4
    http_status = 400


class QueryTimeout(QueryError):
    """A query stopped at its time limit."""

    http_status = 408


class UnknownReport(GraphCRMError):
    """A report or named query that does not exist."""

    exit_code = 2
    http_status = 404


class NotFound(GraphCRMError):
    """A client, staff member or team that does not exist (in a read: a change names it as ChangeRefused)."""

    exit_code = 2
    http_status = 404


class ParameterError(GraphCRMError):
    """A report parameter or request argument that is missing, unknown or of the wrong type."""

    exit_code = 2
    http_status = 400


class InvalidRequest(ParameterError):
    """A web request that does not match its endpoint's published schema (/api/openapi.json); names each bad field."""


class PermissionDenied(GraphCRMError):
    """The acting user may not do this; the message names the rule."""

    exit_code = 5
    http_status = 403


class NotAuthenticated(GraphCRMError):
    """No valid login: no session, a revoked or expired token, or a departed staff member's login."""

    exit_code = 5
    http_status = 401


class ChangeRefused(GraphCRMError):
    """The change itself is wrong: unknown client, bad grade, a date that makes no sense."""

    exit_code = 2
    http_status = 400


class Conflict(GraphCRMError):
    """A change that contradicts what is stored (an id reused for different content, a stale plan); nothing was written."""

    exit_code = 6
    http_status = 409


class UserError(GraphCRMError):
    """A bad user name, role or password."""

    exit_code = 2
    http_status = 400


class NotSupported(GraphCRMError):
    """Something this store cannot do (ad-hoc Cypher on the embedded store)."""

    exit_code = 2
    http_status = 400

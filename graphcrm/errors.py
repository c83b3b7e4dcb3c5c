"""The GraphCRMError family: every error a user can cause, with a message fit to show them."""

__all__ = [
    "GraphCRMError",
    "ConfigError",
    "StoreError",
    "StoreUnavailable",
    "ImportFailed",
    "RowError",
    "QueryRefused",
    "QueryError",
    "UnknownReport",
    "ParameterError",
]


class GraphCRMError(Exception):
    """Base of every error graphcrm reports to a user (CLI: one line, API: JSON)."""

    exit_code = 1


class ConfigError(GraphCRMError):
    """A bad store URL, config file or policy value."""

    exit_code = 2


class StoreError(GraphCRMError):
    """The store refused or failed an operation."""


class StoreUnavailable(StoreError):
    """The database cannot be reached."""


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

    def __init__(self, errors: list[RowError], total: int | None = None):
        self.errors = errors
        self.total = total if total is not None else len(errors)
        first = str(errors[0]) if errors else "no rows"
        more = f" (and {self.total - 1} more)" if self.total > 1 else ""
        super().__init__(f"{first}{more}; nothing was imported")


class QueryRefused(GraphCRMError):
    """An analyst query that is not read-only, or uses a forbidden feature."""

    exit_code = 4


class QueryError(GraphCRMError):
    """A query that failed on the server: syntax error, timeout, bad parameter."""

    exit_code = 4


class UnknownReport(GraphCRMError):
    """A report or named query that does not exist."""

    exit_code = 2


class ParameterError(GraphCRMError):
    """A report parameter that is missing, unknown or of the wrong type."""

    exit_code = 2

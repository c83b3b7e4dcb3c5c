"""Analysts' own Cypher on Neo4j: the guard's server-side layers (the plan, the READ transaction, the caps, stopping a runaway).

Each run gets a driver of its own (one connection), so that a query which outlives its time limit
can have its connection closed under it without touching anyone else's pooled connections. The
run happens in a worker thread; the caller waits at most the time limit plus a short grace, and
then stops the query itself: TERMINATE TRANSACTIONS by the id the run looked up inside its own
transaction, close the connection (which wakes the worker), and ask the server until the
transaction is gone. Neo4j 5.26 keeps some terminated work running (hash joins, expressions), so
"gone" is checked, not assumed, and the error says when the server has not let go of it yet.
"""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import suppress
from typing import Any, Callable

import neo4j
from neo4j import Query
from neo4j import exceptions as neo4j_errors

from graphcrm.errors import QueryError, QueryRefused, QueryTimeout, StoreUnavailable
from graphcrm.guard import Limits, check_plan, check_query_text, json_size
from graphcrm.queries import library
from graphcrm.stores.neo4j_values import plain
from graphcrm.stores.protocol import AnalystResult

__all__ = ["run_analyst_query", "Connect", "FETCH_ROWS", "STOP_GRACE", "SETTLE"]

#: Opens a driver: to the store's URL, or (given "host:port") straight to that cluster member.
Connect = Callable[..., Any]

#: Rows per PULL: what the driver holds beyond the caps at most (the caps are checked row by row).
FETCH_ROWS = 100
#: Seconds past the time limit the caller waits for the server's own timeout before stopping the query itself.
STOP_GRACE = 1.5
#: Seconds to wait for the server to confirm that a stopped query's transaction is gone.
SETTLE = 3.0
#: Planning gets this long at most (EXPLAIN plans without running).
PLAN_TIME = 10.0
#: The prefix that asks for the plan alone; not a query of its own. Planned afresh every time: a plan cached
#: while the database was small (Neo4j replans only after its statistics drift and 10 s have passed) carries
#: that day's row estimates, and the guard's bounds must judge today's.
_EXPLAIN = "CYPHER replan=force EXPLAIN "

_TIMED_OUT = ("Neo.ClientError.Transaction.TransactionTimedOut", "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
              "Neo.ClientError.Transaction.Terminated", "Neo.TransientError.Transaction.Terminated",
              "Neo.ClientError.Transaction.LockClientStopped", "Neo.TransientError.Transaction.LockClientStopped")
_READ_ONLY = ("Neo.ClientError.Statement.AccessMode", "Neo.ClientError.Security.Forbidden")
_OUT_OF_MEMORY = ("Neo.TransientError.General.OutOfMemoryError", "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
                  "Neo.TransientError.General.TransactionMemoryLimit")


def run_analyst_query(connect: Connect, database: str, text: str, params: dict[str, Any] | None = None,
                      limits: Limits | None = None, trusted: bool = False) -> AnalystResult:
    """Run an analyst's Cypher only if every layer of the guard agrees it reads, and within its limits."""
    limits = limits or Limits()
    body = check_query_text(text, limits, trusted)
    return _GuardedRun(connect, database, body, params or {}, limits, trusted).result()


class _GuardedRun:
    """One analyst query: planned, checked and run by a worker thread the caller can give up on."""

    def __init__(self, connect: Connect, database: str, body: str, params: dict[str, Any], limits: Limits,
                 trusted: bool):
        self.connect, self.database, self.body, self.params = connect, database, body, params
        self.limits, self.trusted = limits, trusted
        self.token = uuid.uuid4().hex
        self.metadata = {"app": "graphcrm", "guard": self.token, "query": "analyst"}
        self.driver = connect()
        self.answered = threading.Event()
        self.outcome: AnalystResult | None = None
        self.error: BaseException | None = None
        self.transaction_id: str | None = None
        self.address: str | None = None
        self.phase_limit, self.phase_started = PLAN_TIME, time.monotonic()

    # -- the caller's side ------------------------------------------------------------------------
    def result(self) -> AnalystResult:
        worker = threading.Thread(target=self._work, name="graphcrm-analyst-query", daemon=True)
        worker.start()
        answered = False
        try:
            while not self.answered.wait(0.05):
                if time.monotonic() > self.phase_started + self.phase_limit + STOP_GRACE:
                    break
            answered = self.answered.is_set()
        finally:
            if not answered:          # the time limit passed, or the caller was interrupted (Ctrl-C)
                self._stop(worker)
        # A cut result ends its transaction after answering: quick for what the bounds let run; if the
        # server is slow to let go, its connection is dropped rather than keep the caller waiting.
        worker.join(SETTLE)
        if worker.is_alive():
            self._drop_connection()
            worker.join(1.0)
        if self.error is not None:
            raise self._translate(self.error)
        assert self.outcome is not None
        return self.outcome

    def _stop(self, worker: threading.Thread) -> None:
        if self.transaction_id:
            with suppress(Exception):
                self._admin("guard_terminate", {"id": self.transaction_id})
        self._drop_connection()
        worker.join(1.0)
        raise self._timed_out()

    def _timed_out(self) -> QueryTimeout:
        limit = f"the {self.limits.timeout:g}s time limit" if self.phase_limit == self.limits.timeout \
            else f"the {self.phase_limit:g}s planning limit"
        if self._server_let_go():
            return QueryTimeout(f"the query was stopped at {limit}; the server has ended it")
        return QueryTimeout(f"the query was stopped at {limit}, but the server has not ended it yet (transaction "
                            f"{self.transaction_id}): Neo4j cannot interrupt some in-memory work; it ends on its own or "
                            "when Neo4j restarts")

    def _server_let_go(self) -> bool:
        """Ask the server (from another connection) until the run's transaction is gone, for up to SETTLE seconds."""
        deadline = time.monotonic() + SETTLE
        while True:
            try:
                if not self._admin("guard_transactions", {"token": self.token}):
                    return True
            except Exception:       # noqa: BLE001 - the server cannot answer: it cannot confirm either
                return False
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)

    def _admin(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """One of the guard's cypher/guard/ commands, on the server that runs the transaction."""
        named = library()[name]
        driver = self.connect(self.address) if self.address else self.connect()
        try:
            with driver.session(database=self.database) as session:
                result = session.run(Query(named.text, timeout=5.0, metadata={"app": "graphcrm", "query": name}), params)
                return [record.data() for record in result]
        finally:
            driver.close()

    def _drop_connection(self) -> None:
        """Close the run's only connection: the server ends its transaction, a blocked worker wakes up."""
        with suppress(Exception):
            self.driver.close()

    def _translate(self, error: BaseException) -> BaseException:
        if isinstance(error, neo4j_errors.Neo4jError):
            code = error.code or ""
            if code in _TIMED_OUT:
                return self._timed_out()
            if code in _READ_ONLY:
                return QueryRefused(f"the server refused a write in a read-only transaction: {error.message}")
            if code in _OUT_OF_MEMORY:
                return QueryError("the server ran out of memory for this query and stopped it")
            return QueryError(f"the query failed: {error.message or error}")
        if isinstance(error, (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError)):
            return StoreUnavailable(f"Neo4j went away while the query ran: {error}")
        if isinstance(error, neo4j_errors.DriverError):
            return QueryError(f"the query failed: {error}")
        return error

    # -- the worker's side ------------------------------------------------------------------------
    def _phase(self, limit: float) -> None:
        self.phase_started, self.phase_limit = time.monotonic(), limit

    def _work(self) -> None:
        try:
            with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS,
                                     fetch_size=FETCH_ROWS) as session:
                self._phase(min(PLAN_TIME, self.limits.timeout))
                query_type, plan = self._plan(session)
                check_plan(query_type, plan, self.limits, self.trusted)
                self._phase(self.limits.timeout)
                self._stream(session)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            if not self.answered.is_set():
                self.error = exc
        finally:
            self.answered.set()
            with suppress(Exception):
                self.driver.close()

    def _plan(self, session) -> tuple[str | None, dict[str, Any] | None]:
        tx = session.begin_transaction(metadata=self.metadata, timeout=self.phase_limit)
        try:
            summary = tx.run(_EXPLAIN + self.body, self.params).consume()
        except neo4j_errors.Neo4jError as exc:
            if (exc.code or "") in _TIMED_OUT + _READ_ONLY:
                raise
            raise QueryError(f"the query does not plan: {exc.message or exc}") from None
        finally:
            with suppress(Exception):
                tx.close()
        return summary.query_type, summary.plan

    def _stream(self, session) -> None:
        """Stream the rows within the caps and answer the caller; a cut run then ends its transaction."""
        tx = session.begin_transaction(metadata=self.metadata, timeout=self.limits.timeout)
        try:
            own = tx.run(library()["guard_transactions"].text, token=self.token)
            found = own.single(strict=False)
            self.address = own.consume().server.address
            self.transaction_id = found["id"] if found else None
            result = tx.run(self.body, self.params)
            keys = list(result.keys())
            rows: list[list[Any]] = []
            size, cut = 2, None
            for record in result:
                if len(rows) >= self.limits.max_rows:
                    cut = "rows"
                    break
                row = [plain(value) for value in record.values()]
                size += json_size(dict(zip(keys, row))) + 1
                if size > self.limits.max_bytes:
                    cut = "bytes"
                    break
                rows.append(row)
            self.outcome = AnalystResult(keys, rows, cut is not None, cut)
            self.answered.set()
            if cut and self.transaction_id:
                # Terminated by its id before the rollback below: the rollback DISCARDs what is left,
                # which would otherwise make the server compute every remaining row.
                with suppress(Exception):
                    self._admin("guard_terminate", {"id": self.transaction_id})
        finally:
            with suppress(Exception):
                tx.close()

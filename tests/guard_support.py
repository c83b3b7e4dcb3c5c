"""What the guard tests share: a loopback canary server, a fingerprint of the whole database, and the server's own view of running transactions."""

from __future__ import annotations

import hashlib
import socketserver
import threading
import time

#: Bounds lifted far enough to let a runaway start (the runaway tests check what happens then).
LIFTED = dict(max_estimated_rows=10**15, max_estimated_cost=10**16, max_cartesian_products=5, max_joins=10,
              max_match_clauses=12, max_hops=20, max_collect_rows=10**9, max_range=10**9)


class Canary:
    """A TCP listener on 127.0.0.1 that records every connection (and answers HTTP with a small CSV)."""

    def __init__(self):
        hits = self.hits = []

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(2)
                try:
                    first = self.request.recv(4096)
                except OSError:
                    first = b""
                hits.append(first.split(b"\r\n", 1)[0].decode("latin-1"))
                self.request.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/csv\r\n\r\nsecret,canary\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/secret.csv"
        self.literal = f"'{self.url}'"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def fingerprint(driver, database: str = "neo4j") -> dict:
    """Counts, a hash of every node's and relationship's labels/type and properties, the schema and the tokens."""
    def rows(query):
        records, _, _ = driver.execute_query(query, database_=database)
        return [r.values() for r in records]

    def digest(items):
        return hashlib.sha256(repr(sorted(repr(i) for i in items)).encode()).hexdigest()

    nodes = rows("MATCH (n) RETURN labels(n), properties(n)")
    relationships = rows("MATCH (a)-[r]->(b) RETURN type(r), properties(r), properties(a), properties(b)")
    return {
        "nodes": len(nodes), "relationships": len(relationships),
        "node_hash": digest(nodes), "relationship_hash": digest(relationships),
        "constraints": sorted(r[0] for r in rows("SHOW CONSTRAINTS YIELD name RETURN name")),
        "indexes": sorted(r[0] for r in rows("SHOW INDEXES YIELD name RETURN name")),
        "labels": sorted(r[0] for r in rows("CALL db.labels()")),
        "types": sorted(r[0] for r in rows("CALL db.relationshipTypes()")),
        "keys": sorted(r[0] for r in rows("CALL db.propertyKeys()")),
    }


def running(driver, database: str = "neo4j") -> list[dict]:
    """Transactions the server runs, besides the one asking (straight through the driver, not through the guard)."""
    records, _, _ = driver.execute_query(
        "SHOW TRANSACTIONS YIELD transactionId, currentQuery, status, elapsedTime "
        "WHERE NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS' RETURN transactionId, currentQuery, status, elapsedTime",
        database_=database)
    return [r.data() for r in records]


def wait_idle(driver, seconds: float) -> float | None:
    """Seconds until the server runs nothing else, or None if it still does after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if not running(driver):
            return time.monotonic() - started
        time.sleep(0.2)
    return None

"""Findings 11 and 12: a query past its time limit is stopped within the limit plus 5 s and the server is idle
again (asked of the server itself, not of the guard); the CLI never hangs; results are cut by bytes as well
as rows, while streaming, and a cut ends the server's transaction too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from graphcrm.errors import QueryRefused, QueryTimeout
from graphcrm.generator import generate
from graphcrm.guard import Limits
from graphcrm.stores.neo4j_analyst import SETTLE, STOP_GRACE

from guard_support import LIFTED, running, wait_idle

FINDING_11 = "MATCH (a:Staff) " + " ".join(
    f"OPTIONAL MATCH (a)-[:COVERS]->(c{i}:Client)<-[:COVERS]-(s{i}:Staff)" for i in range(1, 7)) + " RETURN count(*)"
# Finding 12's shape: 10,000 rows of 1,000 strings each.
BIG_ROWS = ("UNWIND range(1, 100) AS a UNWIND range(1, 100) AS b "
            "RETURN a, b, [j IN range(1, 1000) | 'abcdefghijklmnopqrstuvwxyz0123456789'] AS strings")
# Runaways the server can stop (each row touches the store), let through by lifting the plan's bounds.
STOPPABLE = [
    "MATCH p = (s:Staff)-[:COVERS*..8]-(x) RETURN count(p)",
    "MATCH (a:Interaction), (b:Interaction), (c:Staff) WHERE a.id < b.id RETURN count(*)",
]


@pytest.fixture(scope="module")
def org(neo4j_session_store):
    neo4j_session_store.clear()
    neo4j_session_store.write(generate("S", seed=7))
    return neo4j_session_store


def test_finding_11_is_refused_before_it_runs_by_each_of_four_bounds_and_the_server_stays_idle(org):
    """Lift one bound at a time: each of the next ones refuses it on its own. The planner estimates 1 row for
    the result, but its outer hash joins (work Neo4j cannot interrupt) far more: it is never started."""
    started = time.monotonic()
    lifted: dict = {}
    for bound, value, says in [("max_match_clauses", 7, "MATCH clauses is 7, above max_match_clauses = 6"),
                               ("max_hops", 12, "is 12, above max_hops = 10"),
                               ("max_joins", 5, "hash joins in the plan is 5, above max_joins = 2"),
                               ("max_estimated_rows", None, "OuterHashJoin) is ")]:
        with pytest.raises(QueryRefused) as caught:
            org.analyst_query(FINDING_11, limits=Limits(timeout=5, **lifted))
        assert says in str(caught.value) and bound in str(caught.value), str(caught.value)
        lifted[bound] = value
    assert time.monotonic() - started < 10
    assert running(org.driver) == []


@pytest.mark.parametrize("query", STOPPABLE)
def test_a_runaway_is_stopped_within_the_time_limit_plus_5s_and_the_server_is_idle_again(org, query):
    limits = Limits(timeout=2, **LIFTED)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="stopped at the 2s time limit; the server has ended it"):
        org.analyst_query(query, limits=limits)
    elapsed = time.monotonic() - started
    idle = wait_idle(org.driver, 5)
    assert elapsed + (idle or 0) < limits.timeout + 5, (elapsed, idle)
    assert idle is not None, running(org.driver)


def test_the_cli_stops_a_runaway_and_exits(org, neo4j_settings, tmp_path):
    config = tmp_path / "graphcrm.toml"
    config.write_text("[guard]\n" + "".join(f"{k} = {v}\n" for k, v in LIFTED.items()), encoding="utf-8")
    env = {**os.environ, "NEO4J_USER": neo4j_settings["user"], "NEO4J_PASSWORD": neo4j_settings["password"]}
    env.pop("GRAPHCRM_DEBUG", None)
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", neo4j_settings["uri"], "--config", str(config),
                          "query", "-e", STOPPABLE[0], "--timeout", "2"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    elapsed = time.monotonic() - started
    assert out.returncode != 0 and "time limit" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert elapsed < 2 + 5 + 3, elapsed            # + 3: starting a Python process and importing the driver
    assert wait_idle(org.driver, 5) is not None, running(org.driver)


def test_work_the_server_cannot_interrupt_never_hangs_the_caller(org):
    """Bounds lifted on purpose: a reduce() over 300 million numbers runs inside one expression, where Neo4j
    5.26 never checks for termination. The caller still gets its answer a few seconds after the limit, told
    the truth about the server; the server finishes on its own (waited for, so later tests find it idle)."""
    limits = Limits(timeout=1, **LIFTED)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="stopped at the 1s time limit") as caught:
        org.analyst_query("RETURN reduce(s = 0, x IN range(1, 300000000) | s + x) AS total", limits=limits)
    elapsed = time.monotonic() - started
    assert elapsed < limits.timeout + STOP_GRACE + SETTLE + 3, elapsed
    assert "has not ended it yet" in str(caught.value) or "has ended it" in str(caught.value)
    assert wait_idle(org.driver, 120) is not None, running(org.driver)


def test_rows_are_capped_with_the_reason_and_the_server_lets_go(org):
    result = org.analyst_query("UNWIND range(1, 1000) AS x RETURN x", limits=Limits(max_rows=10))
    assert len(result.rows) == 10 and result.truncated and result.cut == "rows"
    whole = org.analyst_query("UNWIND range(1, 10) AS x RETURN x", limits=Limits(max_rows=10))
    assert len(whole.rows) == 10 and not whole.truncated and whole.cut is None
    assert wait_idle(org.driver, 5) is not None, running(org.driver)


def test_big_rows_are_cut_by_bytes_while_streaming(org):
    limits = Limits(max_bytes=1_000_000)
    result = org.analyst_query(BIG_ROWS, limits=limits)
    sent = json.dumps([dict(zip(result.columns, row)) for row in result.rows], separators=(",", ":"))
    assert result.truncated and result.cut == "bytes"
    assert 0 < len(sent.encode()) <= limits.max_bytes
    assert 20 <= len(result.rows) < 10_000                   # rows of about 38 kB each
    assert wait_idle(org.driver, 5) is not None, running(org.driver)


def test_the_cli_takes_max_bytes_and_says_why_it_cut(org, neo4j_settings, tmp_path):
    env = {**os.environ, "NEO4J_USER": neo4j_settings["user"], "NEO4J_PASSWORD": neo4j_settings["password"]}
    url = neo4j_settings["uri"]
    as_json = subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", url, "query", "-e", BIG_ROWS,
                              "--max-bytes", "200000", "--format", "json"],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["truncated"] is True and document["cut"] == "bytes" and 0 < len(document["rows"]) < 10_000
    table = subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", url, "query", "-e",
                            "UNWIND range(1, 50) AS x RETURN x", "--max-rows", "7"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert table.returncode == 0 and "(7 rows, truncated at the row cap)" in table.stdout

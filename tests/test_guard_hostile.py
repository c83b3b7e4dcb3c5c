"""The guard against a determined analyst: 150+ hostile queries refused with their reason, the database
unchanged and a loopback canary untouched; the plan layer alone refusing what Neo4j would run; and
legitimate analyst work still passing. Against the real server, with CSV import from URLs allowed
(Neo4j's default): the positive control proves the server would fetch the canary if asked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from graphcrm.config import Policy
from graphcrm.errors import QueryRefused
from graphcrm.generator import generate
from graphcrm.guard import Limits, check_plan
from graphcrm.analyst import run_analyst_query
from graphcrm.queries import ANALYST_KINDS, library
from graphcrm.reports import catalogue

from guard_hostile import HOSTILE
from guard_support import Canary, fingerprint, wait_idle

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def canary():
    server = Canary()
    yield server
    server.close()


@pytest.fixture(scope="module")
def org(neo4j_session_store):
    """A generated organisation (size S): big enough for the planner's estimates to mean something."""
    neo4j_session_store.clear()
    neo4j_session_store.write(generate("S", seed=7))
    return neo4j_session_store


PARAMS = {"url": None, "n": 10_000, "ids": ["neo4j-transaction-1"]}


def test_the_hostile_queries_are_refused_the_database_is_unchanged_and_the_canary_hears_nothing(org, canary):
    assert len(HOSTILE) >= 150
    before = fingerprint(org.driver)
    wrong = []
    for text, reason in HOSTILE:
        query = text.replace("CANARY", canary.literal)
        try:
            org.analyst_query(query, {**PARAMS, "url": canary.url})
        except QueryRefused as exc:
            if reason not in str(exc):
                wrong.append(f"{query!r}: refused, but for {exc} (expected {reason!r})")
        except Exception as exc:  # noqa: BLE001 - reported below with the query
            wrong.append(f"{query!r}: {type(exc).__name__}: {exc}")
        else:
            wrong.append(f"{query!r}: ran")
    assert wrong == [], "\n".join(wrong)
    print(f"\n{len(HOSTILE)} hostile queries refused")
    assert canary.hits == []
    assert fingerprint(org.driver) == before
    assert wait_idle(org.driver, 5) is not None


def test_the_server_would_fetch_the_canary_if_asked_so_the_guard_is_what_stops_it(org, canary):
    """Positive control, straight through the driver: this server, like a default one, lets LOAD CSV reach URLs."""
    canary.hits.clear()
    records, _, _ = org.driver.execute_query(f"LOAD CSV FROM '{canary.url}' AS l RETURN l", database_=org.database)
    assert records[0]["l"] == ["secret", "canary"] and len(canary.hits) == 1
    canary.hits.clear()


def test_finding_9_is_refused_through_the_cli_the_api_and_the_console(org, canary, neo4j_settings, tmp_path):
    from graphcrm.webapp import create_app

    finding = f"// c\rLOAD CSV FROM '{canary.url}' AS l RETURN l"
    env = {**os.environ, "NEO4J_USER": neo4j_settings["user"], "NEO4J_PASSWORD": neo4j_settings["password"]}
    cli = subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", neo4j_settings["uri"], "query", "-e", finding],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert cli.returncode != 0 and "LOAD CSV" in cli.stderr and "Traceback" not in cli.stderr
    app = create_app({"GRAPHCRM_STORE": neo4j_settings["uri"], "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    state = app.extensions["graphcrm"]
    try:
        state.users.add("ana@x.org", "analyst", None, "correct-horse-battery")
        api = app.test_client()
        api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {state.users.create_token('ana@x.org')}"
        answer = api.post("/api/query", json={"cypher": finding})
        assert answer.status_code == 403 and "LOAD CSV" in answer.get_json()["error"]
        page = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/login").text).group(1)
        page.post("/login", data={"email": "ana@x.org", "password": "correct-horse-battery", "csrf_token": token})
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get("/console").text).group(1)
        console = page.post("/console", data={"cypher": finding, "csrf_token": token})
        assert console.status_code == 200 and "LOAD CSV is not allowed" in console.text
    finally:
        state.close()
    assert canary.hits == []


# The plan layer on its own: what EXPLAIN says Neo4j would run (EXPLAIN never runs it).
PLAN_REFUSED = [
    ("CREATE (n:Hacked)", "writes"), ("MATCH (n:Client) SET n.x = 1", "read-only"),
    ("MATCH (n) DETACH DELETE n", "read-only"), ("MERGE (n:Hacked {id: 1})", "writes"),
    ("CREATE INDEX hacked IF NOT EXISTS FOR (n:Hacked) ON (n.x)", "schema"),
    ("SHOW TRANSACTIONS", "ShowTransactions"), ("SHOW SETTINGS", "ShowSettings"), ("SHOW PROCEDURES", "ShowProcedures"),
    ("SHOW FUNCTIONS", "ShowFunctions"), ("SHOW INDEXES", "ShowIndexes"), ("SHOW CONSTRAINTS", "ShowConstraints"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-999999'", "TerminateTransactions"),
    ("LOAD CSV FROM 'CANARY_URL' AS l RETURN l", "LoadCSV"),
    ("CALL dbms.listConfig() YIELD name RETURN name", "read-only"),     # a DBMS-mode procedure: query type 's'
    ("CALL db.info()", "db.info"), ("CALL db.ping()", "db.ping"), ("CALL dbms.components()", "read-only"),
    ("MATCH (a:Staff)-[*]->(b) RETURN count(b)", "unbounded"),
    ("MATCH (a:Staff) " + " ".join(f"OPTIONAL MATCH (a)-[:COVERS]->(c{i}:Client)<-[:COVERS]-(s{i}:Staff)" for i in range(1, 7))
     + " RETURN count(*)", "max_"),
]


def test_the_plan_layer_alone_refuses_what_neo4j_would_run(org, canary):
    for text, reason in PLAN_REFUSED:
        query = text.replace("CANARY_URL", canary.url)
        with org.driver.session(database=org.database) as session:
            summary = session.run("EXPLAIN " + query).consume()
        with pytest.raises(QueryRefused, match=re.escape(reason)):
            check_plan(summary.query_type, summary.plan, Limits())
    assert canary.hits == [], "EXPLAIN must not fetch anything"


LEGITIMATE = [
    "MATCH (c:Client) RETURN c.id, c.name ORDER BY c.id LIMIT 20",
    "MATCH (c:Client) RETURN c.grade AS grade, count(*) AS clients, sum(c.value) AS value ORDER BY grade",
    "MATCH (s:Staff)-[r:COVERS]->(c:Client) WHERE r.until IS NULL RETURN s.id, count(c) AS clients ORDER BY clients DESC",
    "MATCH (s:Staff)-[:PARTICIPATED]->(i:Interaction)-[:WITH]->(c:Client) RETURN s.id, c.id, count(i) AS n ORDER BY n DESC LIMIT 10",
    "MATCH (c:Client) OPTIONAL MATCH (c)-[:HAS_NEED]->(n:Need) RETURN c.id, count(n) AS needs ORDER BY needs DESC LIMIT 5",
    "MATCH p = (s:Staff {id: 'S001'})-[:COVERS*..3]-(x) RETURN count(p) AS paths",
    "MATCH p = shortestPath((a:Staff {id: 'S001'})-[*..6]-(b:Client {id: 'C0001'})) RETURN length(p) AS hops",
    "MATCH p = (s:Staff)-[:COVERS]->(c:Client) RETURN reduce(n = 0, r IN relationships(p) | n + 1) AS hops LIMIT 3",
    "CALL db.labels() YIELD label RETURN label ORDER BY label",
    "CALL db.labels()",
    "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType",
    "CALL db.propertyKeys() YIELD propertyKey RETURN count(propertyKey) AS keys",
    "MATCH (c:Client) WHERE c.name = 'LOAD CSV FROM x; DROP' RETURN c  // CALL dbms.listConfig() CREATE",
    "MATCH (c:Client) /* SHOW TRANSACTIONS; TERMINATE */ RETURN count(c) AS n",
    "MATCH (c:Client)\r\n// a Windows line end after a comment\r\nRETURN count(c) AS n",
    "MATCH (c:Client) WHERE EXISTS { (c)<-[:COVERS]-(:Staff) } RETURN count(c) AS covered",
    "MATCH (c:Client) RETURN c.id, COUNT { (c)<-[:WITH]-(:Interaction) } AS interactions ORDER BY interactions DESC LIMIT 5",
    "MATCH (c:Client) CALL (c) { MATCH (c)<-[:WITH]-(i:Interaction) RETURN max(i.at) AS last } RETURN c.id, last LIMIT 5",
    "MATCH (s:Staff) RETURN s.id AS id UNION MATCH (t:Team) RETURN t.id AS id",
    "UNWIND range(1, 12) AS month RETURN month, date({year: 2026, month: month, day: 1}) AS first",
    "MATCH (c:Client) RETURN [g IN ['A', 'B'] WHERE g = c.grade | g] AS grades LIMIT 3",
    "MATCH (c:Client) RETURN CASE c.grade WHEN 'A' THEN 3 WHEN 'B' THEN 2 ELSE 1 END AS weight, count(*) AS n",
    "MATCH (i:Interaction) RETURN date.truncate('month', i.at) AS month, count(*) AS n ORDER BY month",
    "RETURN duration.between(date('2026-01-01'), date('2026-03-01')).days AS days",
    "MATCH (c:Client) WITH c.id AS load, c.name AS csv RETURN load, csv LIMIT 2",
    "MATCH (c:Client) RETURN {show: c.id, set: c.grade} AS m, c.id AS `weird``name` LIMIT 2",
    "MATCH (c:Client) WHERE c.name STARTS WITH \"Con\" AND c.id <> 'it\\'s' RETURN c.id LIMIT 3;",
    "MATCH (c:Client {id: $id}) RETURN c.name AS name",
    "MATCH (s:Staff), (c:Client {id: 'C0001'}) RETURN count(s) AS staff",
    "MATCH (c:Client) RETURN collect(c.id)[..5] AS first",
]


def test_legitimate_analyst_queries_pass(org):
    failed = []
    for text in LEGITIMATE:
        try:
            org.analyst_query(text, {"id": "C0001"})
        except Exception as exc:  # noqa: BLE001 - reported with the query
            failed.append(f"{text!r}: {type(exc).__name__}: {exc}")
    assert failed == [], "\n".join(failed)


#: Values for the parameters some named reports require (the rest default).
REQUIRED = {"staff": "S001,S002", "since": "2026-08-01", "from": "S001", "to": "C0001"}


def test_every_named_report_and_read_query_passes_by_name(org):
    """The reviewed files of cypher/ pass the read-only checks (they are trusted with the complexity bounds)."""
    ran = []
    for named in library():
        given = {k: v for k, v in REQUIRED.items() if any(p.name == k for p in named.params)}
        if named.kind not in ANALYST_KINDS or any(p.required and p.default is None and p.name not in given
                                                  for p in named.params):
            continue
        if named.name == "schema_check":
            continue     # SHOW CONSTRAINTS: the store's own check, refused to analysts like every SHOW
        raw = given
        result = run_analyst_query(org, named.name, None, raw, Policy())
        ran.append((named.name, len(result.rows)))
    assert {report.query for report in catalogue().values()} <= {name for name, _ in ran}


def test_a_named_report_through_the_cli(org, neo4j_settings, tmp_path):
    env = {**os.environ, "NEO4J_USER": neo4j_settings["user"], "NEO4J_PASSWORD": neo4j_settings["password"]}
    out = subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", neo4j_settings["uri"], "query", "coverage_gaps",
                          "--param", "as_of=2026-11-01", "--format", "json"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert document["rows"] and document["truncated"] is False and document["cut"] is None

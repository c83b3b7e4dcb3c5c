"""The analyst query guard: writes, schema, admin, procedures, multiple statements and tricks are refused."""

import time

import pytest

from graphcrm.errors import QueryError, QueryRefused
from graphcrm.guard import Limits, check_query_text

from handbuilt import organisation

REFUSED = [
    "CREATE (n:Client {id: 'X'})",
    "MERGE (n:Client {id: 'X'})",
    "MATCH (n) SET n.hacked = true",
    "MATCH (n) DELETE n",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n:Client) REMOVE n.name",
    "MATCH (n:Client) SET n:Hacked",
    "MATCH (n:Client) REMOVE n:Client",
    "MATCH (a:Staff), (b:Client) CREATE (a)-[:COVERS]->(b)",
    "MATCH (n) RETURN n; MATCH (m) DETACH DELETE m",
    "MATCH (n) RETURN n;MATCH (m) DETACH DELETE m;",
    "RETURN 1; RETURN 2",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "LOAD /* hidden */ CSV FROM 'http://127.0.0.1/x' AS row RETURN row",
    "load csv with headers from 'file:///x' as r return r",
    "CALL { MATCH (n) DETACH DELETE n } IN TRANSACTIONS",
    "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10 ROWS",
    "MATCH (n) CALL { WITH n SET n.x = 1 } IN 2 CONCURRENT TRANSACTIONS",
    "CREATE INDEX hacked FOR (n:Client) ON (n.x)",
    "CREATE CONSTRAINT hacked FOR (n:Client) REQUIRE n.x IS UNIQUE",
    "DROP CONSTRAINT client_id",
    "DROP INDEX client_name",
    "SHOW USERS",
    "SHOW DATABASES",
    "CREATE DATABASE evil",
    "CREATE USER eve SET PASSWORD 'secretsecret'",
    "ALTER USER neo4j SET PASSWORD 'x'",
    "GRANT ROLE admin TO eve",
    "STOP DATABASE neo4j",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "USE system SHOW USERS",
    "USE neo4j MATCH (n) RETURN n",
    "CALL dbms.listConfig()",
    "CALL dbms.security.createUser('eve', 'secret', false)",
    "CALL db.createLabel('Hacked')",
    "CALL db.clearQueryCaches()",
    "CALL apoc.cypher.runWrite('CREATE (n)', {})",
    "CALL apoc.load.json('file:///etc/passwd')",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})",
    "RETURN apoc.text.join(['a'], ',')",
    "CALL gds.graph.project('g', 'Staff', 'COVERS')",
    "CALL tx.setMetaData({a: 1})",
    "MATCH (n) WITH n LIMIT 1 CREATE (m:Copy) RETURN m",
    "FOREACH (x IN [1] | CREATE (:Hacked))",
    "MATCH (n:Client) // innocent comment\n SET n.name = 'x'",
    "MATCH (n:Client) /* ; */ SET n.name = 'x' RETURN n",
    "UNWIND [1] AS x MERGE (:Hacked {x: x})",
    "",
    "   ",
    "MATCH (n) RETURN n\x00",
    "MATCH (n) RETURN n; ",
]


def test_forty_and_more_queries_are_refused(neo4j_store):
    neo4j_store.write(organisation())
    before = neo4j_store.read_all().canonical()
    constraints = sorted(r["name"] for r in neo4j_store.read("schema_check"))
    refused = 0
    for text in REFUSED:
        if text == "MATCH (n) RETURN n; ":
            continue   # a single trailing ';' is allowed (checked below)
        with pytest.raises((QueryRefused, QueryError)) as caught:
            neo4j_store.analyst_query(text)
        assert str(caught.value), text
        refused += 1
    assert refused >= 40
    assert neo4j_store.read_all().canonical() == before
    assert sorted(r["name"] for r in neo4j_store.read("schema_check")) == constraints


def test_refusals_say_why():
    reasons = {
        "RETURN 1; RETURN 2": "one statement",
        "LOAD CSV FROM 'x' AS r RETURN r": "LOAD CSV",
        "CALL { MATCH (n) RETURN n } IN TRANSACTIONS": "IN TRANSACTIONS",
        "SHOW USERS": "SHOW",
        "CALL dbms.listConfig()": "allow-list",
        "USE system MATCH (n) RETURN n": "USE",
    }
    for text, reason in reasons.items():
        with pytest.raises(QueryRefused, match=reason):
            check_query_text(text)


def test_text_inside_strings_and_comments_is_not_mistaken_for_commands():
    assert check_query_text("MATCH (c:Client) WHERE c.name = 'LOAD CSV; DROP' RETURN c // CALL dbms.x()") .startswith("MATCH")
    assert check_query_text("MATCH (n) RETURN n;") == "MATCH (n) RETURN n"


def test_read_queries_and_allowed_procedures_run(neo4j_store):
    neo4j_store.write(organisation())
    result = neo4j_store.analyst_query("MATCH (s:Staff)-[:COVERS]->(c:Client {id: $id}) RETURN s.id AS staff ORDER BY staff", {"id": "K4"})
    assert result.columns == ["staff"] and result.rows == [["M1"], ["M1"], ["M1"]] and not result.truncated
    labels = neo4j_store.analyst_query("CALL db.labels() YIELD label RETURN label ORDER BY label")
    assert ["Client"] in labels.rows
    graph = neo4j_store.analyst_query("MATCH p = (s:Staff {id: 'M1'})-[:COVERS]->(c) RETURN s, c, p LIMIT 1")
    node, client, path = graph.rows[0]
    assert node["_kind"] == "node" and node["labels"] == ["Staff"] and node["properties"]["id"] == "M1"
    assert path["_kind"] == "path" and path["relationships"][0]["type"] == "COVERS"


def test_rows_are_capped_with_a_flag(neo4j_store):
    result = neo4j_store.analyst_query("UNWIND range(1, 50) AS x RETURN x", limits=Limits(max_rows=10))
    assert len(result.rows) == 10 and result.truncated and result.cut == "rows"


def test_a_huge_range_is_refused_before_it_runs(neo4j_store):
    # It used to run into the time limit; an expression loop is work Neo4j cannot interrupt, so it never starts.
    started = time.monotonic()
    with pytest.raises(QueryRefused, match="max_range"):
        neo4j_store.analyst_query("UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(*)",
                                  limits=Limits(timeout=1.5))
    assert time.monotonic() - started < 1


def test_syntax_errors_are_errors_not_refusals(neo4j_store):
    with pytest.raises(QueryError, match="does not plan"):
        neo4j_store.analyst_query("MATCH (n RETURN n")


def test_a_range_comparison_between_two_matched_nodes_counts_as_a_cartesian_product():
    """Decided on the plan's shape, not its estimates (which follow index statistics that can be stale)."""
    from graphcrm.guard.plan import check_plan, plan_measures

    def op(name, rows=1.0, *children):
        return {"operatorType": f"{name}@neo4j", "args": {"EstimatedRows": rows, "Details": ""}, "children": list(children)}

    theta = op("ProduceResults", 1, op("EagerAggregation", 1, op("CartesianProduct", 1000,
               op("Apply", 100, op("NodeByLabelScan", 10), op("NodeUniqueIndexSeekByRange", 100)), op("NodeByLabelScan", 10))))
    assert plan_measures(theta)["cartesian_products"] == 2
    with pytest.raises(QueryRefused, match="max_cartesian_products"):
        check_plan("r", theta, Limits())
    # One person's row against a range of clients is a seek per row, not a product: allowed.
    seek = op("ProduceResults", 1, op("Apply", 100, op("NodeUniqueIndexSeek", 1), op("NodeIndexSeekByRange", 100)))
    assert plan_measures(seek)["cartesian_products"] == 1
    check_plan("r", seek, Limits())

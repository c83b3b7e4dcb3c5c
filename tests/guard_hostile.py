"""The hostile analyst queries the guard must refuse, each with what its refusal must name.

CANARY stands for a quoted URL of the loopback canary server the test starts (every URL in the set
points at it); the test fills it in. Grouped by the trick they try; every group is run in full.
"""

CANARY = "CANARY"
LOAD = f"LOAD CSV FROM {CANARY} AS l RETURN l"
WRITE = "MATCH (n:Client) SET n.hacked = true RETURN n"
SIX = " ".join(f"OPTIONAL MATCH (a)-[:COVERS]->(c{i}:Client)<-[:COVERS]-(s{i}:Staff)" for i in range(1, 7))

# Finding 9 and its family: a // comment ended by a character the old guard did not take as a line end.
COMMENTS = [(f"// c{end}{LOAD}", reason) for end, reason in [
    ("\r", "LOAD CSV"), ("\r\n", "LOAD CSV"), ("\n", "LOAD CSV"), ("\u2028", "U+2028"), ("\u2029", "U+2029"),
    ("\x85", "U+0085"), ("\x0b", "U+000B"), ("\x0c", "U+000C"), ("\x1c", "U+001C"), ("\x1e", "U+001E"),
]] + [
    (f"MATCH (n) RETURN n // x\r{WRITE}", "read-only"),
    (f"RETURN 1 AS a // x\rUNION {LOAD}", "LOAD CSV"),
    (f"/* c */ {LOAD}", "LOAD CSV"),
    (f"/* /* */ {LOAD} */", "/*"),
    (f"/* {LOAD}", "unterminated"),
    (f"RETURN 1 /* a */ /* b /* c */ AS x", "/*"),
    (f"LOAD/**/CSV FROM {CANARY} AS l RETURN l", "LOAD CSV"),
    (f"LOAD // c\nCSV FROM {CANARY} AS l RETURN l", "LOAD CSV"),
    (f"LOAD\r\nCSV FROM {CANARY} AS l RETURN l", "LOAD CSV"),
    (f"LOAD\tCSV FROM {CANARY} AS l RETURN l", "LOAD CSV"),
    (f"MATCH (n) /* ; */ SET n.x = 1 RETURN n", "read-only"),
    (f"MATCH (n) // ;\rDETACH DELETE n", "read-only"),
    ("RETURN 1 // \\u000a CREATE (:Hacked)", "unicode escapes"),
    (f"RETURN 1 AS a // \\u000d{LOAD}", "unicode escapes"),
    (f"RETURN 1 AS a // \\uuuu000a{LOAD}", "unicode escapes"),
]

# Strings and names: quotes and escapes a naive reader gets wrong, and escapes Neo4j decodes first.
STRINGS = [
    (f"RETURN 'it\\'s // not a comment' AS s {LOAD}", "LOAD CSV"),
    (f"RETURN \"a \\\" b\" AS s {LOAD}", "LOAD CSV"),
    (f"RETURN '\\\\' AS s {LOAD}", "LOAD CSV"),
    (f"RETURN \"/*\" AS s {LOAD} // */", "LOAD CSV"),
    (f"RETURN '//' AS s, 1 AS t {LOAD}", "LOAD CSV"),
    (f"RETURN 1 AS `a``b` {LOAD}", "LOAD CSV"),
    (f"RETURN 1 AS `x // y` {LOAD}", "LOAD CSV"),
    (f"RETURN '\\u0027 {LOAD} //' AS s", "unicode escapes"),
    (f"RETURN \"\\u0022 {LOAD} //\" AS s", "unicode escapes"),
    ("RETURN 1 AS `a\\u0060 CREATE (:Hacked) //`", "unicode escapes"),
    (f"RETURN '\\U00000027' AS s {LOAD}", "unicode escapes"),
    ("RETURN 'unterminated LOAD CSV FROM $url AS l RETURN l", "unterminated"),
    (f"RETURN \"unterminated {LOAD}", "unterminated"),
    (f"RETURN 1 AS `unterminated {LOAD}", "unterminated"),
    (f"RETURN 1 AS `a\\b` {LOAD}", "backslash"),
    ("RETURN 1 \\ CREATE (:Hacked)", "backslash"),
]

# Unicode lookalikes, invisible characters and controls.
UNICODE = [
    (f"LOAD\u00a0CSV FROM {CANARY} AS l RETURN l", "ASCII"),
    (f"LOAD\u3000CSV FROM {CANARY} AS l RETURN l", "ASCII"),
    (f"LOAD\u2003CSV FROM {CANARY} AS l RETURN l", "ASCII"),
    (f"\uff2c\uff2f\uff21\uff24 CSV FROM {CANARY} AS l RETURN l", "ASCII"),
    (f"LO\u200bAD CSV FROM {CANARY} AS l RETURN l", "U+200B"),
    ("MATCH (n:Client) \u0421REATE (:Hacked)", "ASCII"),
    ("MATCH (a:Staff)\u2014[:COVERS]\u2014>(c) DETACH DELETE c", "ASCII"),
    (f"\ufeff{LOAD}", "U+FEFF"),
    (f"RETURN '\u202e' AS s {LOAD}", "U+202E"),
    ("MATCH (n) RETURN n\x00", "U+0000"),
    (f"RETURN 1\x1b{LOAD}", "U+001B"),
    (f"RETURN 1\x7f {LOAD}", "U+007F"),
    (f"RETURN '\ud800' AS s {LOAD}", "U+D800"),
    (f"RETURN 1 AS a\u2060 {LOAD}", "U+2060"),
]

# Query prefixes and options (finding 10 came through CYPHER 5).
PREFIXES = [
    ("CYPHER 5 SHOW SETTINGS", "CYPHER"),
    ("CYPHER 5 SHOW TRANSACTIONS", "CYPHER"),
    ("CYPHER 5 SHOW PROCEDURES", "CYPHER"),
    ("CYPHER 5 SHOW INDEXES", "CYPHER"),
    ("CYPHER 5 TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "CYPHER"),
    (f"CYPHER 5 {LOAD}", "CYPHER"),
    ("CYPHER 25 MATCH (n) RETURN n", "CYPHER"),
    ("CYPHER runtime=slotted MATCH (n) DETACH DELETE n", "CYPHER"),
    ("cypher planner=dp replan=force MATCH (n) RETURN n", "CYPHER"),
    ("CYPHER expressionEngine=interpreted RETURN 1", "CYPHER"),
    ("// hello\nCYPHER 5 SHOW SETTINGS", "CYPHER"),
    ("/* x */ cypher 5 show settings", "CYPHER"),
    (f"EXPLAIN {LOAD}", "EXPLAIN"),
    ("EXPLAIN CYPHER 5 SHOW SETTINGS", "EXPLAIN"),
    ("PROFILE MATCH (n) SET n.x = 1", "PROFILE"),
    ("profile MATCH (n) RETURN n", "PROFILE"),
]

# SHOW and TERMINATE in every spelling (finding 10).
SHOW = [(text, word) for text, word in [
    ("SHOW SETTINGS", "SHOW"), ("SHOW TRANSACTIONS", "SHOW"), ("show transactions", "SHOW"),
    ("Show Transactions YIELD * RETURN *", "SHOW"), ("SHOW PROCEDURES", "SHOW"), ("SHOW FUNCTIONS", "SHOW"),
    ("SHOW INDEXES", "SHOW"), ("SHOW CONSTRAINTS", "SHOW"), ("SHOW DATABASES", "SHOW"), ("SHOW USERS", "SHOW"),
    ("SHOW CURRENT USER", "SHOW"), ("SHOW PRIVILEGES", "SHOW"), ("SHOW SERVERS", "SHOW"), ("SHOW ALIASES FOR DATABASE", "SHOW"),
    ("SHOW/**/SETTINGS", "SHOW"), ("SHOW\rSETTINGS", "SHOW"),
    ("SHOW TRANSACTIONS YIELD transactionId AS id, currentQuery, parameters RETURN id, currentQuery, parameters", "SHOW"),
    ("SHOW TRANSACTIONS YIELD transactionId AS txId WHERE txId <> '' TERMINATE TRANSACTIONS txId", "SHOW"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "TERMINATE"),
    ("terminate transaction 'neo4j-transaction-1', 'neo4j-transaction-2'", "TERMINATE"),
    ("TERMINATE TRANSACTIONS $ids", "TERMINATE"),
    ("CALL { SHOW TRANSACTIONS } RETURN 1", "SHOW"),
    ("MATCH (n) RETURN n UNION SHOW SETTINGS", "SHOW"),
]]

LOAD_CSV = [(text, "LOAD CSV") for text in [
    LOAD,
    f"LOAD CSV WITH HEADERS FROM {CANARY} AS l RETURN l",
    f"LOAD CSV FROM {CANARY} AS l FIELDTERMINATOR ';' RETURN l",
    f"load csv from {CANARY} as l return l",
    f"LoAd CsV FrOm {CANARY} AS l RETURN l",
    f"WITH {CANARY} AS u LOAD CSV FROM u AS l RETURN l",
    "LOAD CSV FROM $url AS l RETURN l",
    f"CALL {{ {LOAD} }} RETURN l",
    f"OPTIONAL CALL {{ {LOAD} }} RETURN l",
    f"MATCH (c:Client) WITH c LIMIT 1 LOAD CSV FROM {CANARY} + c.id AS l RETURN l",
    f"UNWIND [{CANARY}] AS u CALL (u) {{ LOAD CSV FROM u AS l RETURN l }} RETURN l",
    f"RETURN COLLECT {{ {LOAD} }} AS rows",
    f"RETURN COUNT {{ {LOAD} }} AS n",
    f"MATCH (n) WHERE EXISTS {{ {LOAD} }} RETURN n",
    f"RETURN 1 AS l UNION {LOAD}",
    f"RETURN 1 AS l UNION ALL {LOAD}",
    f"LOAD CSV FROM {CANARY} AS l CREATE (:Hacked {{line: l}})",
    f"LOAD CSV FROM {CANARY} AS l CALL {{ WITH l RETURN l AS x }} IN TRANSACTIONS RETURN x",
    f"WITH 1 AS load {LOAD}",
]]

USE = [(text, "USE") for text in [
    "USE neo4j MATCH (n) RETURN n", "USE system MATCH (n) RETURN n", "use system show users",
    "USE `system` MATCH (n) RETURN n", "USE graph.byName('system') MATCH (n) RETURN n",
    "CALL { USE neo4j MATCH (n) RETURN n } RETURN n", "MATCH (n) RETURN n UNION USE system MATCH (n) RETURN n",
]]

WRITES = [(text, "read-only") for text in [
    "CREATE (n:Hacked)", "MERGE (n:Client {id: 'C0001'}) ON MATCH SET n.name = 'x'", WRITE,
    "MATCH (n:Client) SET n += {hacked: true}", "MATCH (n:Client) SET n:Hacked", "MATCH (n:Client) REMOVE n:Client",
    "MATCH (n:Client) REMOVE n.name", "MATCH (n) DELETE n", "MATCH (n) DETACH DELETE n", "MATCH (n) NODETACH DELETE n",
    "INSERT (n:Hacked)", "MATCH (n:Client) WITH n, 'Hacked' AS l SET n:$(l)", "CREATE (n:$('Hacked'))",
    "MATCH (a:Staff), (b:Client) WITH a, b LIMIT 1 CREATE (a)-[:COVERS]->(b)",
    "UNWIND [1] AS x MERGE (:Hacked {x: x})", "MATCH (n) WITH n LIMIT 1 CREATE (m:Copy) RETURN m",
    "FOREACH (x IN [1] | CREATE (:Hacked))",
    "MATCH (n:Client) FOREACH (x IN CASE WHEN n.id = 'C0001' THEN [1] ELSE [] END | SET n.hacked = true)",
    "MATCH (n:Client) FOREACH (_ IN CASE WHEN true THEN [1] END | DETACH DELETE n)",
    "foreach (x in [1] | create (:Hacked))",
    "WITH CASE WHEN true THEN 1 END AS x CREATE (:Hacked {x: x})",
    "MATCH (n:Client) RETURN CASE WHEN n.id = 'x' THEN 1 END AS x UNION CREATE (m:Hacked) RETURN 1 AS x",
    "CALL { CREATE (n:Hacked) RETURN n } RETURN n",
    "MATCH (n:Client) CALL (n) { SET n.hacked = true } RETURN n",
    "MATCH (n) CALL (n) { DETACH DELETE n } RETURN 1",
    "OPTIONAL CALL { MERGE (n:Hacked) RETURN n } RETURN n",
    "MATCH (n:Client) WHERE COUNT { MATCH (n)--() } > 0 SET n.x = 1",
    "DROP CONSTRAINT client_id", "DROP INDEX client_name", "ALTER USER neo4j SET PASSWORD 'secretsecret'",
    "ALTER CURRENT USER SET PASSWORD FROM 'a' TO 'bbbbbbbb'", "GRANT ROLE admin TO eve", "DENY READ {*} ON GRAPH * TO eve",
    "REVOKE ROLE admin FROM eve", "START DATABASE neo4j", "STOP DATABASE neo4j", "ENABLE SERVER 'x'",
    "RENAME USER eve TO mallory", "DEALLOCATE DATABASES FROM SERVER 'x'", "DRYRUN REALLOCATE DATABASES",
    "CREATE DATABASE evil", "CREATE OR REPLACE DATABASE neo4j", "CREATE USER eve SET PASSWORD 'secretsecret'",
    "CREATE INDEX hacked FOR (n:Client) ON (n.x)", "CREATE CONSTRAINT hacked FOR (n:Client) REQUIRE n.x IS UNIQUE",
    "CREATE ALIAS evil FOR DATABASE neo4j",
]]

BATCHES = [(text, "batched transactions") for text in [
    "CALL { MATCH (n) RETURN n } IN TRANSACTIONS RETURN n",
    "MATCH (n) CALL (n) { RETURN n AS m } IN TRANSACTIONS OF 10 ROWS RETURN m",
    "MATCH (n) CALL (n) { RETURN n AS m } IN 2 CONCURRENT TRANSACTIONS RETURN m",
    "MATCH (n) CALL (n) { RETURN n AS m } IN TRANSACTIONS ON ERROR CONTINUE RETURN m",
    "UNWIND [1] AS x CALL (x) { RETURN x AS y } in concurrent transactions RETURN y",
    f"USING PERIODIC COMMIT 10 {LOAD}",
]]

PROCEDURES = [(f"CALL {name}", "allow-list") for name in [
    "dbms.listConfig()", "dbms.listConfig", "dbms.listConfig() YIELD name RETURN name", "dbms.showCurrentUser()",
    "dbms.security.createUser('eve', 'secretsecret', false)", "dbms.killQuery('query-1')", "dbms.killTransaction('x')",
    "dbms.setConfigValue('db.transaction.timeout', '0')", "dbms.listConnections()", "dbms.components()",
    "dbms.queryJmx('*:*')", "dbms.routing.getRoutingTable({})", "dbms.info()", "db.createLabel('Hacked')",
    "db.createProperty('hacked')", "db.createRelationshipType('HACKED')", "db.clearQueryCaches()", "db.awaitIndexes(5)",
    "db.resampleIndex('client_name')", "db.stats.retrieve('GRAPH COUNTS')", "db.info()", "db.ping()",
    "db.index.fulltext.queryNodes('x', 'y')", "tx.setMetaData({a: 1})", "tx.getMetaData()",
    f"apoc.load.json({CANARY})", f"apoc.load.csv({CANARY})", f"apoc.load.xml({CANARY})",
    "apoc.cypher.runWrite('CREATE (n:Hacked)', {})", "apoc.cypher.doIt('MATCH (n) DETACH DELETE n', {})",
    "apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})", "apoc.export.csv.all('x.csv', {})",
    f"apoc.import.json({CANARY})", "apoc.util.sleep(100000)", "gds.graph.project('g', 'Staff', 'COVERS')",
    "gds.pageRank.stream('g')", "`dbms`.`listConfig`()", "`dbms.listConfig`()", "DBMS.LISTCONFIG()",
    "dbms . listConfig()", "db.labels() YIELD label CALL dbms.listConfig() YIELD name RETURN label, name",
]] + [
    ("MATCH (n) CALL db.createLabel('Hacked') RETURN n", "allow-list"),
    ("CALL { CALL dbms.listConfig() YIELD name RETURN name } RETURN name", "allow-list"),
]

FUNCTIONS = [(text, "function") for text in [
    "RETURN apoc.text.join(['a', 'b'], ',')", "RETURN apoc.version()", "RETURN gds.version()",
    f"RETURN apoc.util.md5([{CANARY}])", "RETURN genai.vector.encode('x', 'OpenAI', {})", "RETURN graph.names()",
    "RETURN dbms.something()", "MATCH (n) WHERE apoc.node.degree(n) > 0 RETURN n", "RETURN `apoc`.`version`()",
    "RETURN apoc . version()",
]]

STATEMENTS = [(text, "statement") for text in [
    "RETURN 1; RETURN 2", "MATCH (n) RETURN n;MATCH (m) DETACH DELETE m;", f"RETURN 1; {LOAD}", "RETURN 1;;",
    "; RETURN 1", "RETURN ';' AS s; CREATE (n:Hacked)", "RETURN 1; // comment\n CREATE (n:Hacked)",
    "RETURN 1 /* */ ; SHOW SETTINGS",
]] + [("", "empty"), ("   \n\t ", "empty"), ("// just a comment", "nothing but comments"), (";", "empty")]

# What the server cannot be trusted to stop once started (findings 11 and 12), refused before it runs.
RUNAWAY = [
    (f"MATCH (a:Staff) {SIX} RETURN count(*)", "max_match_clauses"),
    ("MATCH (a:Staff)-[*]->(b) RETURN count(b)", "unbounded"),
    ("MATCH (a:Staff)-[:COVERS*2..]-(b) RETURN count(b)", "unbounded"),
    ("MATCH p = (a:Staff)-[:COVERS]-+(b) RETURN count(p)", "unbounded"),
    ("MATCH p = ((a:Staff)-[:COVERS]-(b)){1,} RETURN count(p)", "unbounded"),
    ("MATCH p = shortestPath((a:Staff {id: 'S001'})-[*]-(b:Client {id: 'C0001'})) RETURN p", "unbounded"),
    ("MATCH p = (a:Staff)-[:COVERS*..12]-(b) RETURN count(p)", "max_hops"),
    ("MATCH (a:Staff), (b:Client), (c:Interaction) RETURN a.id, b.id, c.id", "max_"),
    ("MATCH (a:Interaction), (b:Interaction), (c:Staff) WHERE a.id < b.id RETURN count(*)", "max_"),
    ("UNWIND range(1, 2000000000) AS x RETURN count(x)", "max_range"),
    ("RETURN reduce(s = 0, x IN range(1, 2000000000) | s + x)", "max_range"),
    ("RETURN size([x IN range(1, 100000) | x])", "max_range"),
    ("WITH 10000 AS n RETURN range(1, n)", "literal bounds"),
    ("RETURN range(1, $n)", "literal bounds"),
    ("RETURN range(0, 10, 0)", "literal bounds"),
    ("RETURN [a IN range(1, 1000) | [b IN range(1, 1000) | a * b]]", "max_iteration_depth"),
    ("RETURN [a IN range(1, 1000) WHERE any(b IN range(1, 1000) WHERE a = b)]", "max_iteration_depth"),
    ("MATCH (i:Interaction) WITH collect(i.summary) AS l RETURN reduce(s = '', x IN l | s + x)", "reduce()"),
    ("MATCH (i:Interaction) WITH collect(i) AS l RETURN size([a IN l | size([b IN l | a = b])])", "max_iteration_depth"),
    ("RETURN reduce(s = '', x IN split('abc', '') | s + s + x)", "reduce()"),
    ("MATCH (a:Interaction)-[:WITH]->(c:Client)<-[:WITH]-(b:Interaction) MATCH (b)-[:WITH]->(d:Client)<-[:WITH]-(e:Interaction) "
     "MATCH (e)-[:WITH]->(f:Client)<-[:WITH]-(g:Interaction) RETURN count(*)", "max_"),
    ("MATCH (a:Interaction), (b:Client) RETURN collect([a.id, b.id]) AS pairs", "max_"),
    ("RETURN 1 AS x" + " " * 20_000, "max_query_chars"),
    (" ".join(["MATCH (a:Staff)"] * 12) + " RETURN count(*)", "max_match_clauses"),
]

HOSTILE = COMMENTS + STRINGS + UNICODE + PREFIXES + SHOW + LOAD_CSV + USE + WRITES + BATCHES + PROCEDURES + FUNCTIONS \
    + STATEMENTS + RUNAWAY

// name: counts
// kind: read
// doc: How many records of each kind are stored (nodes by label, relationships with properties by type).
// column: kind -- record kind, as in the import format (tiers, staff, ... needs)
// column: n -- how many
MATCH (t:Tier)
RETURN 'tiers' AS kind, count(t) AS n
UNION ALL
MATCH (s:Staff)
RETURN 'staff' AS kind, count(s) AS n
UNION ALL
MATCH (t:Team)
RETURN 'teams' AS kind, count(t) AS n
UNION ALL
MATCH (:Staff)-[m:MEMBER_OF]->(:Team)
RETURN 'memberships' AS kind, count(m) AS n
UNION ALL
MATCH (c:Client)
RETURN 'clients' AS kind, count(c) AS n
UNION ALL
MATCH (:Staff)-[c:COVERS]->(:Client)
RETURN 'coverage' AS kind, count(c) AS n
UNION ALL
MATCH (:Team)-[e:ENGAGES]->(:Client)
RETURN 'engagements' AS kind, count(e) AS n
UNION ALL
MATCH (i:Interaction)-[:WITH]->(:Client)
RETURN 'interactions' AS kind, count(i) AS n
UNION ALL
MATCH (:Client)-[:HAS_NEED]->(n:Need)
RETURN 'needs' AS kind, count(n) AS n

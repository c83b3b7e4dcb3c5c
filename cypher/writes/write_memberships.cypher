// name: write_memberships
// kind: write
// doc: Upsert MEMBER_OF relationships; identity is (staff, team, since), and a null since is a value of its own.
// param: rows list<map> -- one map per membership: staff, team, since, until (dates and date-times as ISO strings)
UNWIND $rows AS raw
WITH raw {.*, since: date(raw.since), until: date(raw.until)} AS row
MATCH (s:Staff {id: row.staff})
MATCH (t:Team {id: row.team})
OPTIONAL MATCH (s)-[existing:MEMBER_OF]->(t)
WHERE existing.since = row.since OR (existing.since IS NULL AND row.since IS NULL)
WITH s, t, row, collect(existing) AS found
FOREACH (r IN found | SET r.until = row.until)
FOREACH (_ IN CASE WHEN size(found) = 0 THEN [1] ELSE [] END |
  CREATE (s)-[:MEMBER_OF {since: row.since, until: row.until}]->(t)
)

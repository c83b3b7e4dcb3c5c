// name: write_engagements
// kind: write
// doc: Upsert ENGAGES relationships; identity is (team, client, since), and a null since is a value of its own.
// param: rows list<map> -- one map per engagement: team, client, since, until (dates and date-times as ISO strings)
UNWIND $rows AS raw
WITH raw {.*, since: date(raw.since), until: date(raw.until)} AS row
MATCH (t:Team {id: row.team})
MATCH (c:Client {id: row.client})
OPTIONAL MATCH (t)-[existing:ENGAGES]->(c)
WHERE existing.since = row.since OR (existing.since IS NULL AND row.since IS NULL)
WITH t, c, row, collect(existing) AS found
FOREACH (r IN found | SET r.until = row.until)
FOREACH (_ IN CASE WHEN size(found) = 0 THEN [1] ELSE [] END |
  CREATE (t)-[:ENGAGES {since: row.since, until: row.until}]->(c)
)

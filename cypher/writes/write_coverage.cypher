// name: write_coverage
// kind: write
// doc: Upsert COVERS relationships; identity is (staff, client, tier, since), and a null since is a value of its own.
// param: rows list<map> -- one map per coverage: staff, client, tier, role, since, until (dates and date-times as ISO strings)
UNWIND $rows AS raw
WITH raw {.*, since: date(raw.since), until: date(raw.until)} AS row
MATCH (s:Staff {id: row.staff})
MATCH (c:Client {id: row.client})
OPTIONAL MATCH (s)-[existing:COVERS]->(c)
WHERE existing.tier = row.tier
  AND (existing.since = row.since OR (existing.since IS NULL AND row.since IS NULL))
WITH s, c, row, collect(existing) AS found
FOREACH (r IN found | SET r.role = row.role, r.until = row.until)
FOREACH (_ IN CASE WHEN size(found) = 0 THEN [1] ELSE [] END |
  CREATE (s)-[:COVERS {tier: row.tier, role: row.role, since: row.since, until: row.until}]->(c)
)

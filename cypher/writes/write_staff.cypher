// name: write_staff
// kind: write
// doc: Upsert staff by id and replace their IN_TIER relationship.
// doc: REPORTS_TO is written afterwards by write_reports_to, once every manager exists.
// param: rows list<map> -- one map per staff member: id, name, email, tier, capacity, joined, left, manager (dates and date-times as ISO strings)
UNWIND $rows AS raw
WITH raw {.*, joined: date(raw.joined), left: date(raw.left)} AS row
MERGE (s:Staff {id: row.id})
SET s.name = row.name,
    s.email = row.email,
    s.capacity = row.capacity,
    s.joined = row.joined,
    s.left = row.left
WITH s, row
CALL (s, row) {
  OPTIONAL MATCH (s)-[old:IN_TIER]->(t:Tier)
  WHERE row.tier IS NULL OR t.key <> row.tier
  DELETE old
}
CALL (s, row) {
  MATCH (t:Tier {key: row.tier})
  MERGE (s)-[:IN_TIER]->(t)
}

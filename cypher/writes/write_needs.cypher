// name: write_needs
// kind: write
// doc: Upsert needs by id, with their HAS_NEED client and CAPTURED staff member replaced by the row's.
// param: rows list<map> -- one map per need: id, client, detected, summary, source, staff (dates and date-times as ISO strings)
UNWIND $rows AS raw
WITH raw {.*, detected: date(raw.detected)} AS row
MATCH (c:Client {id: row.client})
MERGE (n:Need {id: row.id})
SET n.detected = row.detected,
    n.summary = row.summary,
    n.source = row.source
WITH n, c, row
CALL (n, c) {
  OPTIONAL MATCH (other:Client)-[old:HAS_NEED]->(n)
  WHERE other <> c
  DELETE old
}
MERGE (c)-[:HAS_NEED]->(n)
WITH n, row
CALL (n, row) {
  OPTIONAL MATCH (p:Staff)-[old:CAPTURED]->(n)
  WHERE row.staff IS NULL OR p.id <> row.staff
  DELETE old
}
CALL (n, row) {
  MATCH (p:Staff {id: row.staff})
  MERGE (p)-[:CAPTURED]->(n)
}

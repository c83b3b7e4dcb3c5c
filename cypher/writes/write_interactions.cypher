// name: write_interactions
// kind: write
// doc: Upsert interactions by id, with their WITH client and PARTICIPATED staff replaced by the row's.
// doc: Returns the clients an interaction moved away from: the writer refreshes the timelines of those
// doc: and of the rows' clients (refresh_timelines) in the same transaction.
// column: moved -- id of a client that lost an interaction to another client
// param: rows list<map> -- one map per interaction: id, client, kind, at, staff (list of ids), amount, summary, grade, score, stage (dates and date-times as ISO strings)
UNWIND $rows AS raw
WITH raw {.*, at: datetime(raw.at)} AS row
MATCH (c:Client {id: row.client})
MERGE (i:Interaction {id: row.id})
SET i.kind = row.kind,
    i.at = row.at,
    i.amount = row.amount,
    i.summary = row.summary,
    i.grade = row.grade,
    i.score = row.score,
    i.stage = row.stage
WITH i, c, row
CALL (i, c) {
  OPTIONAL MATCH (i)-[old:WITH]->(other:Client)
  WHERE other <> c
  DELETE old
  RETURN collect(other.id) AS moved
}
MERGE (i)-[:WITH]->(c)
WITH i, row, moved
CALL (i, row) {
  OPTIONAL MATCH (p:Staff)-[old:PARTICIPATED]->(i)
  WHERE NOT p.id IN row.staff
  DELETE old
}
CALL (i, row) {
  UNWIND row.staff AS participant
  MATCH (p:Staff {id: participant})
  MERGE (p)-[:PARTICIPATED]->(i)
}
UNWIND moved AS id
RETURN DISTINCT id AS moved

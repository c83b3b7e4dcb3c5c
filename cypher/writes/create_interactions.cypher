// name: create_interactions
// kind: write
// doc: Create interactions known not to exist yet, with their WITH client and PARTICIPATED staff.
// doc: The fast path of a bulk import; the id constraint rejects a concurrent duplicate, and the
// doc: writer then falls back to write_interactions for that batch.
// param: rows list<map> -- one map per interaction: id, client, kind, at, staff (list of ids), amount, summary, grade, score, stage (dates and date-times as ISO strings)
UNWIND $rows AS raw
WITH raw {.*, at: datetime(raw.at)} AS row
MATCH (c:Client {id: row.client})
CREATE (i:Interaction {id: row.id, kind: row.kind, at: row.at, amount: row.amount, summary: row.summary,
                       grade: row.grade, score: row.score, stage: row.stage})
CREATE (i)-[:WITH]->(c)
WITH i, row
CALL (i, row) {
  UNWIND row.staff AS participant
  MATCH (p:Staff {id: participant})
  CREATE (p)-[:PARTICIPATED]->(i)
}

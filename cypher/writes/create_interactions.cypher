// name: create_interactions
// kind: write
// doc: Create interactions known not to exist yet, with their WITH client and PARTICIPATED staff.
// doc: The fast path of a bulk import; the id constraint rejects a concurrent duplicate, and the
// doc: writer then falls back to write_interactions for that batch. Each client's `first` and `last`
// doc: moments grow with the new rows here; the writer refreshes the grade and stage timelines of the
// doc: clients that got an assessment or handover (refresh_timelines) in the same transaction.
// param: rows list<map> -- one map per interaction: id, client, kind, at, staff (list of ids), amount, summary, grade, score, stage (dates and date-times as ISO strings)
UNWIND $rows AS raw
WITH raw {.*, at: datetime(raw.at)} AS row
MATCH (c:Client {id: row.client})
CREATE (i:Interaction {id: row.id, kind: row.kind, at: row.at, amount: row.amount, summary: row.summary,
                       grade: row.grade, score: row.score, stage: row.stage})
CREATE (i)-[:WITH]->(c)
WITH i, c, row
CALL (i, row) {
  UNWIND row.staff AS participant
  MATCH (p:Staff {id: participant})
  CREATE (p)-[:PARTICIPATED]->(i)
}
WITH c, min(row.at) AS earliest, max(row.at) AS latest
SET c.first = CASE WHEN c.first IS NULL OR earliest < c.first THEN earliest ELSE c.first END,
    c.last = CASE WHEN c.last IS NULL OR latest > c.last THEN latest ELSE c.last END

// name: write_interactions
// kind: write
// doc: Upsert interactions by id, with their WITH client and PARTICIPATED staff replaced by the row's.
// doc: A new interaction widens its client's `first` and `last` moments here. Returns the clients whose
// doc: timelines need recomputing (refresh_timelines, run by the writer in the same transaction): those
// doc: that got a new assessment or handover, and both clients of an interaction that changed.
// param: rows list<map> -- one map per interaction: id, client, kind, at, staff (list of ids), amount, summary, grade, score, stage (dates and date-times as ISO strings)
// column: refresh -- id of a client whose timelines must be recomputed
UNWIND $rows AS raw
WITH raw {.*, at: datetime(raw.at)} AS row
MATCH (c:Client {id: row.client})
OPTIONAL MATCH (old:Interaction {id: row.id})
OPTIONAL MATCH (old)-[:WITH]->(was:Client)
WITH row, c, old IS NULL AS fresh, was.id AS wasClient,
     old IS NOT NULL AND (old.at <> row.at OR old.kind <> row.kind OR coalesce(was.id, '') <> c.id
       OR coalesce(old.grade, '') <> coalesce(row.grade, '') OR coalesce(old.stage, '') <> coalesce(row.stage, '')) AS changed
MERGE (i:Interaction {id: row.id})
SET i.kind = row.kind,
    i.at = row.at,
    i.amount = row.amount,
    i.summary = row.summary,
    i.grade = row.grade,
    i.score = row.score,
    i.stage = row.stage
WITH i, c, row, fresh, changed, wasClient
CALL (i, c) {
  OPTIONAL MATCH (i)-[old:WITH]->(other:Client)
  WHERE other <> c
  DELETE old
}
MERGE (i)-[:WITH]->(c)
WITH i, c, row, fresh, changed, wasClient
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
WITH c, min(CASE WHEN fresh THEN row.at END) AS earliest, max(CASE WHEN fresh THEN row.at END) AS latest,
     collect(CASE WHEN changed OR (fresh AND row.kind IN ['assessment', 'handover']) THEN c.id END)
       + collect(CASE WHEN changed THEN wasClient END) AS stale
SET c.first = CASE WHEN earliest IS NOT NULL AND (c.first IS NULL OR earliest < c.first) THEN earliest ELSE c.first END,
    c.last = CASE WHEN latest IS NOT NULL AND (c.last IS NULL OR latest > c.last) THEN latest ELSE c.last END
WITH stale
UNWIND stale AS id
RETURN DISTINCT id AS refresh

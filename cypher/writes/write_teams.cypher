// name: write_teams
// kind: write
// doc: Upsert teams by id.
// param: rows list<map> -- one map per team: id, name
UNWIND $rows AS row
MERGE (t:Team {id: row.id})
SET t.name = row.name

// name: write_reports_to
// kind: write
// doc: Replace staff members' REPORTS_TO relationship (run after write_staff, so managers exist).
// param: rows list<map> -- one map per staff member: id, manager (null removes the relationship)
UNWIND $rows AS row
MATCH (s:Staff {id: row.id})
CALL (s, row) {
  OPTIONAL MATCH (s)-[old:REPORTS_TO]->(m:Staff)
  WHERE row.manager IS NULL OR m.id <> row.manager
  DELETE old
}
CALL (s, row) {
  MATCH (m:Staff {id: row.manager})
  MERGE (s)-[:REPORTS_TO]->(m)
}

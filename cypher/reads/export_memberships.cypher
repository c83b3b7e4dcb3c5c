// name: export_memberships
// kind: read
// doc: Every MEMBER_OF relationship, for export.
// column: staff -- staff id
// column: team -- team id
// column: since -- start date
// column: until -- end date (exclusive), or null
MATCH (s:Staff)-[m:MEMBER_OF]->(t:Team)
RETURN s.id AS staff, t.id AS team, m.since AS since, m.until AS until
ORDER BY staff, team, since

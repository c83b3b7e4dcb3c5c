// name: export_coverage
// kind: read
// doc: Every COVERS relationship, for export.
// column: staff -- staff id
// column: client -- client id
// column: tier -- the stage (tier key) covered
// column: role -- lead or backup
// column: since -- start date
// column: until -- end date (exclusive), or null
MATCH (s:Staff)-[c:COVERS]->(cl:Client)
RETURN s.id AS staff, cl.id AS client, c.tier AS tier, c.role AS role, c.since AS since, c.until AS until
ORDER BY staff, client, tier, since

// name: export_engagements
// kind: read
// doc: Every ENGAGES relationship, for export.
// column: team -- team id
// column: client -- client id
// column: since -- start date
// column: until -- end date (exclusive), or null
MATCH (t:Team)-[e:ENGAGES]->(c:Client)
RETURN t.id AS team, c.id AS client, e.since AS since, e.until AS until
ORDER BY team, client, since

// name: export_needs
// kind: read
// doc: Every need with its client and the staff member who captured it, for export.
// column: id -- need id
// column: client -- client id (HAS_NEED)
// column: detected -- date detected
// column: summary -- summary
// column: source -- where it came from
// column: staff -- id of the staff member who CAPTURED it, or null
MATCH (c:Client)-[:HAS_NEED]->(n:Need)
RETURN n.id AS id, c.id AS client, n.detected AS detected, n.summary AS summary, n.source AS source,
       head([(p:Staff)-[:CAPTURED]->(n) | p.id]) AS staff
ORDER BY id

// name: export_clients
// kind: read
// doc: Every client, for export.
// column: id -- client id
// column: name -- name
// column: industry -- industry
// column: grade -- declared grade A/B/C, or null
// column: value -- value, or null
// column: stage -- declared stage (tier key), or null
MATCH (c:Client)
RETURN c.id AS id, c.name AS name, c.industry AS industry, c.grade AS grade, c.value AS value, c.stage AS stage
ORDER BY id

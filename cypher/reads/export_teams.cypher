// name: export_teams
// kind: read
// doc: Every team, for export.
// column: id -- team id
// column: name -- team name
MATCH (t:Team)
RETURN t.id AS id, t.name AS name
ORDER BY id

// name: directory
// kind: read
// doc: Every client, staff member, team and tier with its name: the UI shows people and clients by name, ids beside them.
// column: kind -- clients, staff, teams or tiers
// column: id -- the record's id (a tier's key)
// column: name -- its name, or null
MATCH (c:Client)
RETURN 'clients' AS kind, c.id AS id, c.name AS name
UNION ALL
MATCH (s:Staff)
RETURN 'staff' AS kind, s.id AS id, s.name AS name
UNION ALL
MATCH (t:Team)
RETURN 'teams' AS kind, t.id AS id, t.name AS name
UNION ALL
MATCH (t:Tier)
RETURN 'tiers' AS kind, t.key AS id, t.name AS name

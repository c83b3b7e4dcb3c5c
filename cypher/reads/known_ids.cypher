// name: known_ids
// kind: read
// doc: The ids already stored, by kind, so an import may refer to records it does not carry.
// column: kind -- tiers, staff, teams or clients
// column: ids -- every id (key for tiers) of that kind
MATCH (t:Tier)
RETURN 'tiers' AS kind, collect(t.key) AS ids
UNION ALL
MATCH (s:Staff)
RETURN 'staff' AS kind, collect(s.id) AS ids
UNION ALL
MATCH (t:Team)
RETURN 'teams' AS kind, collect(t.id) AS ids
UNION ALL
MATCH (c:Client)
RETURN 'clients' AS kind, collect(c.id) AS ids

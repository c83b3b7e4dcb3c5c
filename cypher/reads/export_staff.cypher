// name: export_staff
// kind: read
// doc: Every staff member with their tier and manager, for export.
// column: id -- staff id
// column: name -- name
// column: email -- email
// column: tier -- key of the IN_TIER tier
// column: capacity -- max clients
// column: joined -- date joined
// column: left -- date left, or null
// column: manager -- id of the REPORTS_TO staff member
MATCH (s:Staff)
RETURN s.id AS id, s.name AS name, s.email AS email,
       head([(s)-[:IN_TIER]->(t:Tier) | t.key]) AS tier,
       s.capacity AS capacity, s.joined AS joined, s.left AS left,
       head([(s)-[:REPORTS_TO]->(m:Staff) | m.id]) AS manager
ORDER BY id

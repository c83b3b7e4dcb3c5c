// name: existing_ids
// kind: read
// doc: Which of the given ids name a stored record of one kind: a report refuses an id that names nothing.
// param: kind string -- staff, clients or teams
// param: ids list<string> -- the ids to look for
// column: id -- an id among ids that names a stored record of that kind
MATCH (s:Staff)
WHERE $kind = 'staff' AND s.id IN $ids
RETURN s.id AS id
UNION
MATCH (c:Client)
WHERE $kind = 'clients' AND c.id IN $ids
RETURN c.id AS id
UNION
MATCH (t:Team)
WHERE $kind = 'teams' AND t.id IN $ids
RETURN t.id AS id

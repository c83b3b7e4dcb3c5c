// name: active_coverage
// kind: extract
// doc: The active coverage graph on as_of (staff, client, tier), for the networkx reports truck_factor and brokers.
// param: as_of date = today -- the day the graph is taken on
// column: staff -- staff id
// column: client -- client id
// column: tier -- tier key covered
// column: value -- the client's value (null when unknown)
WITH date($as_of) AS t
MATCH (tier:Tier)
WITH t, collect(tier.key) AS tierKeys
MATCH (s:Staff)
WHERE (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
MATCH (s)-[cov:COVERS]->(c:Client)
WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
  AND cov.tier IN tierKeys
RETURN DISTINCT s.id AS staff, c.id AS client, cov.tier AS tier, c.value AS value
ORDER BY staff, client, tier

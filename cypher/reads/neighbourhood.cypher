// name: neighbourhood
// kind: read
// doc: A node and its neighbours over the structural relationships active on as_of (COVERS, MEMBER_OF,
// doc: ENGAGES, IN_TIER, REPORTS_TO), capped, for the graph explorer. Interactions and needs are left out.
// param: label string -- Client, Staff, Team or Tier
// param: key string -- the node's id (key for a tier)
// param: as_of date = today -- the day whose active relationships are shown
// param: max int = 50 -- neighbours at most
// column: centre -- the node: {label, key, name, tier, grade, value, level}
// column: neighbours -- [{type, outgoing, tier, node: {label, key, name, tier, grade, value, level}}], at most max
// column: total -- how many neighbours there are in all
CALL () {
  MATCH (n:Client {id: $key}) WHERE $label = 'Client' RETURN n
  UNION
  MATCH (n:Staff {id: $key}) WHERE $label = 'Staff' RETURN n
  UNION
  MATCH (n:Team {id: $key}) WHERE $label = 'Team' RETURN n
  UNION
  MATCH (n:Tier {key: $key}) WHERE $label = 'Tier' RETURN n
}
WITH n, date($as_of) AS t
CALL (n, t) {
  // Collected inside the subquery, so a node without active neighbours still gives its row.
  OPTIONAL MATCH (n)-[r:COVERS|MEMBER_OF|ENGAGES|IN_TIER|REPORTS_TO]-(m)
  WHERE (r.since IS NULL OR r.since <= t) AND (r.until IS NULL OR r.until > t)
    AND all(s IN [x IN [n, m] WHERE x:Staff AND type(r) IN ['COVERS', 'MEMBER_OF']]
            WHERE (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t))
  WITH DISTINCT type(r) AS type, startNode(r) = n AS outgoing, r.tier AS tier, m
  WHERE m IS NOT NULL
  WITH type, outgoing, tier, m, labels(m)[0] AS otherLabel, coalesce(m.id, m.key) AS otherKey
  ORDER BY type, otherLabel, otherKey, tier
  RETURN collect({type: type, outgoing: outgoing, tier: tier,
                  node: {label: otherLabel, key: otherKey, name: m.name, level: m.level, grade: m.grade, value: m.value,
                         tier: CASE otherLabel WHEN 'Staff' THEN head([(m)-[:IN_TIER]->(x:Tier) | x.key]) WHEN 'Tier' THEN m.key END}}) AS found
}
RETURN {label: labels(n)[0], key: coalesce(n.id, n.key), name: n.name, level: n.level, grade: n.grade, value: n.value,
        tier: CASE WHEN n:Staff THEN head([(n)-[:IN_TIER]->(x:Tier) | x.key]) WHEN n:Tier THEN n.key END} AS centre,
       found[0..$max] AS neighbours, size(found) AS total

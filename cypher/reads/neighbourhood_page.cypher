// name: neighbourhood_page
// kind: read
// doc: One page of a node's neighbours over the structural relationships active on as_of (COVERS, MEMBER_OF, ENGAGES,
// doc: IN_TIER, REPORTS_TO), in a stable order, and how many there are in all, so the graph explorer can load them page
// doc: by page to the end. A staff member at either end must be active on as_of. No row when the node does not exist.
// param: label string -- Client, Staff, Team or Tier
// param: key string -- the node's id (a tier's key)
// param: as_of date = today -- the day whose active relationships are shown
// param: offset int = 0 -- neighbours to skip (the ones already loaded)
// param: max int = 50 -- neighbours in this page at most
// doc: A coverage's tier is the stage it covers; its role is lead when any active coverage of that stage is lead.
// column: neighbours -- [{type, outgoing, tier, role, label, key}] ordered by type, label, key, tier
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
    AND all(s IN [x IN [n, m] WHERE x:Staff] WHERE (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t))
  WITH type(r) AS type, startNode(r) = n AS outgoing, r.tier AS tier, m, collect(r.role) AS roles
  WHERE m IS NOT NULL
  WITH type, outgoing, tier, m, labels(m)[0] AS otherLabel, coalesce(m.id, m.key) AS otherKey,
       CASE WHEN 'lead' IN roles THEN 'lead' WHEN 'backup' IN roles THEN 'backup' END AS role
  ORDER BY type, otherLabel, otherKey, tier
  RETURN collect({type: type, outgoing: outgoing, tier: tier, role: role, label: otherLabel, key: otherKey}) AS found
}
RETURN found[$offset..$offset + $max] AS neighbours, size(found) AS total

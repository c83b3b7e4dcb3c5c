// name: search_nodes
// kind: read
// doc: Clients, staff and teams whose id or name contains the text (case-insensitive), for the graph explorer's search.
// param: text string -- what to look for
// param: max int = 20 -- how many at most
// column: label -- Client, Staff or Team
// column: key -- the id
// column: name -- the name
CALL () {
  WITH toLower($text) AS text
  MATCH (c:Client)
  WHERE toLower(c.id) CONTAINS text OR toLower(coalesce(c.name, '')) CONTAINS text
  RETURN 'Client' AS label, c.id AS key, c.name AS name
  UNION ALL
  WITH toLower($text) AS text
  MATCH (s:Staff)
  WHERE toLower(s.id) CONTAINS text OR toLower(coalesce(s.name, '')) CONTAINS text
  RETURN 'Staff' AS label, s.id AS key, s.name AS name
  UNION ALL
  WITH toLower($text) AS text
  MATCH (t:Team)
  WHERE toLower(t.id) CONTAINS text OR toLower(coalesce(t.name, '')) CONTAINS text
  RETURN 'Team' AS label, t.id AS key, t.name AS name
}
RETURN label, key, name
ORDER BY key = $text DESC, label, key
LIMIT $max

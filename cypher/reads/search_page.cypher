// name: search_page
// kind: read
// doc: One page of the clients, staff and teams whose id or name contains the text (case-insensitive), and how many
// doc: match in all, for the graph explorer's search: exact matches of id or name first, then by label and id.
// param: text string -- what to look for
// param: within list<string> = null -- only these nodes, as 'Label:key' (a staff user's reach); null: every node
// param: offset int = 0 -- matches to skip
// param: max int = 20 -- matches in this page at most
// column: hits -- [{label, key, name}]
// column: total -- how many match in all
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
WITH label, key, name, toLower($text) AS text
WHERE $within IS NULL OR label + ':' + key IN $within
WITH label, key, name, toLower(key) = text OR toLower(coalesce(name, '')) = text AS exact
ORDER BY exact DESC, label, key
WITH collect({label: label, key: key, name: name}) AS found
RETURN found[$offset..$offset + $max] AS hits, size(found) AS total

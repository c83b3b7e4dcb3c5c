// name: node_cards
// kind: read
// doc: What the graph explorer shows of each node on a day: its name, and for a client the grade, stage and value on
// doc: that day, for a staff member the tier and the day they left. Nodes that do not exist are left out; the rest
// doc: come back in the order asked.
// param: nodes list<map> -- [{label, key}]: label Client, Staff, Team or Tier; key the id (a tier's key)
// param: as_of date = today -- the day grades and stages are read on
// column: label -- Client, Staff, Team or Tier
// column: key -- the id (a tier's key)
// column: name -- the name, or null
// column: grade -- a client's grade on as_of (latest assessment, else declared, else ungraded); else null
// column: stage -- a client's stage on as_of (latest handover, else declared, else the level-1 tier); else null
// column: value -- a client's value, or null
// column: tier -- a staff member's tier key; a tier's own key; else null
// column: level -- a tier's level; else null
// column: left -- the day a staff member left, or null
WITH date($as_of) AS t
OPTIONAL MATCH (first:Tier {level: 1})
WITH t, first.key AS firstKey
ORDER BY firstKey
LIMIT 1
UNWIND range(0, size($nodes) - 1) AS position
WITH t, firstKey, position, $nodes[position] AS wanted
CALL (wanted) {
  MATCH (n:Client {id: wanted.key})
  WHERE wanted.label = 'Client'
  RETURN n
  UNION
  MATCH (n:Staff {id: wanted.key})
  WHERE wanted.label = 'Staff'
  RETURN n
  UNION
  MATCH (n:Team {id: wanted.key})
  WHERE wanted.label = 'Team'
  RETURN n
  UNION
  MATCH (n:Tier {key: wanted.key})
  WHERE wanted.label = 'Tier'
  RETURN n
}
// Grade and stage on t from the client's timelines (kept by the write path), not by walking its
// interactions: the latest assessment or handover whose moment is before the next UTC midnight.
WITH position, wanted, n, firstKey, datetime({date: t + duration({days: 1}), timezone: 'Z'}) AS end
WITH position, wanted, n, firstKey,
     [k IN range(0, size(coalesce(n.assessed, [])) - 1) WHERE n.assessed[k] < end | n.grades[k]] AS graded,
     [k IN range(0, size(coalesce(n.handed, [])) - 1) WHERE n.handed[k] < end | n.stages[k]] AS staged
WITH position, wanted, n, firstKey,
     CASE WHEN last(graded) <> '' THEN last(graded) END AS assessed,
     CASE WHEN last(staged) <> '' THEN last(staged) END AS handedStage
ORDER BY position
RETURN wanted.label AS label, wanted.key AS key, n.name AS name,
       CASE WHEN n:Client THEN coalesce(assessed, n.grade, 'ungraded') END AS grade,
       CASE WHEN n:Client THEN coalesce(handedStage, n.stage, firstKey) END AS stage,
       CASE WHEN n:Client THEN n.value END AS value,
       CASE WHEN n:Staff THEN head([(n)-[:IN_TIER]->(x:Tier) | x.key]) WHEN n:Tier THEN n.key END AS tier,
       CASE WHEN n:Tier THEN n.level END AS level,
       CASE WHEN n:Staff THEN n.left END AS left

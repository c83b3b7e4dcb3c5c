// name: portfolio
// kind: report
// doc: Every client as of as_of with its grade, stage, value, the teams engaging it and its last interaction.
// param: as_of date = today -- the day the report answers for
// column: client -- client id
// column: name -- client name
// column: grade -- grade on as_of: latest assessment on or before it, else the declared grade, else ungraded
// column: stage -- stage on as_of: latest handover's, else declared, else the level-1 tier
// column: value -- client value (null when unknown)
// column: teams -- sorted ids of the teams actively engaging the client on as_of
// column: last -- day of the last interaction on or before as_of, or null
WITH date($as_of) AS t
OPTIONAL MATCH (first:Tier {level: 1})
WITH t, first.key AS firstKey
ORDER BY firstKey
LIMIT 1
MATCH (c:Client)
CALL (c, t) {
  OPTIONAL MATCH (c)<-[:WITH]-(a:Interaction {kind: 'assessment'})
  WHERE date(a.at) <= t
  WITH a
  ORDER BY a.at DESC, a.id DESC
  LIMIT 1
  RETURN a.grade AS assessed
}
CALL (c, t) {
  OPTIONAL MATCH (c)<-[:WITH]-(h:Interaction {kind: 'handover'})
  WHERE date(h.at) <= t
  WITH h
  ORDER BY h.at DESC, h.id DESC
  LIMIT 1
  RETURN h.stage AS handedStage
}
CALL (c, t) {
  OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
  WHERE date(i.at) <= t
  RETURN max(date(i.at)) AS last
}
WITH t, c, coalesce(assessed, c.grade, 'ungraded') AS grade, coalesce(handedStage, c.stage, firstKey) AS stage, last,
     COLLECT {
       MATCH (team:Team)-[e:ENGAGES]->(c)
       WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
       RETURN DISTINCT team.id AS team
       ORDER BY team
     } AS teams
RETURN c.id AS client, c.name AS name, grade, stage, c.value AS value, teams, last
ORDER BY client

// name: portfolio
// kind: report
// doc: Every client as of as_of with its grade, stage, value, the teams engaging it and its last interaction.
// param: as_of date = today -- the day the report answers for
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: client -- client id
// column: name -- client name
// column: grade -- grade on as_of: latest assessment on or before it, else the declared grade, else ungraded
// column: stage -- stage on as_of: latest handover's, else declared, else the level-1 tier
// column: value -- client value (null when unknown)
// column: teams -- sorted ids of the teams actively engaging the client on as_of
// column: last -- day of the last interaction on or before as_of, or null
WITH date($as_of) AS t, datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end
OPTIONAL MATCH (first:Tier {level: 1})
WITH t, end, first.key AS firstKey
ORDER BY firstKey
LIMIT 1
MATCH (c:Client)
WITH t, end, firstKey, c, [k IN range(0, size(c.assessed) - 1) WHERE c.assessed[k] < end | c.grades[k]] AS graded,
     [k IN range(0, size(c.handed) - 1) WHERE c.handed[k] < end] AS handed
WITH t, end, firstKey, c, CASE WHEN last(graded) <> '' THEN last(graded) ELSE coalesce(c.grade, 'ungraded') END AS grade,
     c.stages[last(handed)] AS handedStage
// c.last is the client's latest interaction; only when it is after the day asked for are its interactions walked.
WITH t, end, c, grade, CASE WHEN handedStage <> '' THEN handedStage ELSE coalesce(c.stage, firstKey) END AS stage,
     CASE WHEN c.last IS NULL OR c.last < end THEN c.last
          ELSE head(COLLECT { MATCH (c)<-[:WITH]-(i:Interaction) WHERE i.at < end RETURN i.at ORDER BY i.at DESC LIMIT 1 })
     END AS lastAt
RETURN c.id AS client, c.name AS name, grade, stage, c.value AS value,
       COLLECT {
         MATCH (team:Team)-[e:ENGAGES]->(c)
         WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
         RETURN DISTINCT team.id AS team
         ORDER BY team
       } AS teams,
       CASE WHEN lastAt IS NOT NULL THEN date(datetime({datetime: lastAt, timezone: $timezone})) END AS last
ORDER BY client

// name: changes
// kind: report
// doc: What happened in the days d with since < d <= as_of: coverage assigned and released, people joining and
// doc: leaving, assessments that changed a grade, every handover, teams engaging and disengaging (memberships are
// doc: not listed). With client or staff, only that client's or that person's changes.
// param: as_of date = today -- the last day of the window
// param: since date -- the day before the window's first day (before as_of)
// param: client string = null -- only this client's changes (null: everyone's)
// param: staff string = null -- only this person's changes (null: everyone's)
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: day -- the day it happened
// column: kind -- assigned, released, joined, left, graded, handover, engaged or disengaged
// column: client -- client id, or null
// column: staff -- staff id (assigned, released, joined, left), or null
// column: team -- team id (engaged, disengaged), or null
// column: tier -- coverage: the stage's tier key; joined, left: the person's tier; else null
// column: from -- graded: the grade the day before; handover: the stage the day before; else null
// column: to -- graded: the new grade; handover: the stage handed to; else null
WITH date($as_of) AS t, date($since) AS d0,
     head(COLLECT { MATCH (k:Tier) WHERE k.level = 1 RETURN k.key AS key ORDER BY key }) AS firstStage
CALL (t, d0, firstStage) {
  MATCH (s:Staff)-[cov:COVERS]->(c:Client)
  WHERE cov.since > d0 AND cov.since <= t
    AND ($client IS NULL OR c.id = $client) AND ($staff IS NULL OR s.id = $staff)
  RETURN cov.since AS day, 'assigned' AS kind, c.id AS client, s.id AS staff, null AS team, cov.tier AS tier,
         null AS `from`, null AS `to`
  UNION ALL
  MATCH (s:Staff)-[cov:COVERS]->(c:Client)
  WHERE cov.until > d0 AND cov.until <= t
    AND ($client IS NULL OR c.id = $client) AND ($staff IS NULL OR s.id = $staff)
  RETURN cov.until AS day, 'released' AS kind, c.id AS client, s.id AS staff, null AS team, cov.tier AS tier,
         null AS `from`, null AS `to`
  UNION ALL
  MATCH (s:Staff)
  WHERE s.joined > d0 AND s.joined <= t AND $client IS NULL AND ($staff IS NULL OR s.id = $staff)
  RETURN s.joined AS day, 'joined' AS kind, null AS client, s.id AS staff, null AS team,
         head([(s)-[:IN_TIER]->(k:Tier) | k.key]) AS tier, null AS `from`, null AS `to`
  UNION ALL
  MATCH (s:Staff)
  WHERE s.left > d0 AND s.left <= t AND $client IS NULL AND ($staff IS NULL OR s.id = $staff)
  RETURN s.left AS day, 'left' AS kind, null AS client, s.id AS staff, null AS team,
         head([(s)-[:IN_TIER]->(k:Tier) | k.key]) AS tier, null AS `from`, null AS `to`
  UNION ALL
  MATCH (a:Interaction {kind: 'assessment'})-[:WITH]->(c:Client)
  WHERE date(datetime({datetime: a.at, timezone: $timezone})) > d0 AND date(datetime({datetime: a.at, timezone: $timezone})) <= t AND a.grade IS NOT NULL
    AND ($client IS NULL OR c.id = $client) AND $staff IS NULL
  CALL (a, c) {
    // The grade on the day before the assessment's day (DESIGN 4).
    OPTIONAL MATCH (c)<-[:WITH]-(earlier:Interaction {kind: 'assessment'})
    WHERE date(datetime({datetime: earlier.at, timezone: $timezone})) <= date(datetime({datetime: a.at, timezone: $timezone})) - duration({days: 1})
    WITH earlier
    ORDER BY earlier.at DESC, earlier.id DESC
    LIMIT 1
    RETURN earlier.grade AS assessed
  }
  WITH a, c, coalesce(assessed, c.grade, 'ungraded') AS before
  WHERE before <> a.grade
  RETURN date(datetime({datetime: a.at, timezone: $timezone})) AS day, 'graded' AS kind, c.id AS client, null AS staff, null AS team, null AS tier,
         before AS `from`, a.grade AS `to`
  UNION ALL
  MATCH (h:Interaction {kind: 'handover'})-[:WITH]->(c:Client)
  WHERE date(datetime({datetime: h.at, timezone: $timezone})) > d0 AND date(datetime({datetime: h.at, timezone: $timezone})) <= t AND ($client IS NULL OR c.id = $client) AND $staff IS NULL
  CALL (h, c) {
    // The stage on the day before the handover's day (DESIGN 4).
    OPTIONAL MATCH (c)<-[:WITH]-(earlier:Interaction {kind: 'handover'})
    WHERE date(datetime({datetime: earlier.at, timezone: $timezone})) <= date(datetime({datetime: h.at, timezone: $timezone})) - duration({days: 1})
    WITH earlier
    ORDER BY earlier.at DESC, earlier.id DESC
    LIMIT 1
    RETURN earlier.stage AS handed
  }
  RETURN date(datetime({datetime: h.at, timezone: $timezone})) AS day, 'handover' AS kind, c.id AS client, null AS staff, null AS team, null AS tier,
         coalesce(handed, c.stage, firstStage) AS `from`, h.stage AS `to`
  UNION ALL
  MATCH (team:Team)-[e:ENGAGES]->(c:Client)
  WHERE e.since > d0 AND e.since <= t AND ($client IS NULL OR c.id = $client) AND $staff IS NULL
  RETURN e.since AS day, 'engaged' AS kind, c.id AS client, null AS staff, team.id AS team, null AS tier,
         null AS `from`, null AS `to`
  UNION ALL
  MATCH (team:Team)-[e:ENGAGES]->(c:Client)
  WHERE e.until > d0 AND e.until <= t AND ($client IS NULL OR c.id = $client) AND $staff IS NULL
  RETURN e.until AS day, 'disengaged' AS kind, c.id AS client, null AS staff, team.id AS team, null AS tier,
         null AS `from`, null AS `to`
}
RETURN day, kind, client, staff, team, tier, `from`, `to`
ORDER BY day, kind, client, staff, team, tier, `from`, `to`

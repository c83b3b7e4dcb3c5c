// name: plan_extract
// kind: extract
// doc: What the coverage planner (report coverage_plan) starts from, as of as_of: one row per active staff member
// doc: (tier, capacity, teams), per team (name) and per client (grade, active coverage, engaging teams, its
// doc: concentration owner, and the relationship strength of the active people who know it but cover none of
// doc: its stages: the candidates a strength can favour). networkx plans from it.
// param: as_of date = today -- the day the plan is made for
// param: concentration_window_days int = policy -- window of days for relationship strength and concentration (180)
// param: concentration_share float = policy -- share of the client's interactions one person must reach (0.8)
// param: concentration_min_interactions int = policy -- fewest interactions in the window to judge concentration (5)
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: kind -- staff, team or client
// column: id -- the record's id
// column: name -- staff or team name (null for clients)
// column: tier -- staff: key of their tier (IN_TIER), or null
// column: capacity -- staff: capacity, or null
// column: teams -- staff: teams they are an active member of; client: teams actively engaging it (sorted ids)
// column: grade -- client: grade on as_of
// column: cover -- client: active coverage [{staff, tier, since}] of active staff, by staff, tier, since
// column: owner -- client: its concentration owner (as in key_person_risk), or null
// column: share -- client: that owner's share of the window's interactions (3 decimals), or null
// column: know -- client: [{staff, strength}] active people in its window's interactions who cover none of its stages
// (their relationship strength, 3 decimals, by staff: the only pairs a strength can favour)
CALL () {
  WITH date($as_of) AS t
  MATCH (s:Staff)
  WHERE (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
  RETURN 'staff' AS kind, s.id AS id, s.name AS name, head([(s)-[:IN_TIER]->(k:Tier) | k.key]) AS tier,
         s.capacity AS capacity,
         COLLECT {
           MATCH (s)-[m:MEMBER_OF]->(team:Team)
           WHERE (m.since IS NULL OR m.since <= t) AND (m.until IS NULL OR m.until > t)
           RETURN DISTINCT team.id AS team
           ORDER BY team
         } AS teams,
         null AS grade, null AS cover, null AS owner, null AS share, null AS know
  UNION ALL
  MATCH (team:Team)
  RETURN 'team' AS kind, team.id AS id, team.name AS name, null AS tier, null AS capacity, null AS teams,
         null AS grade, null AS cover, null AS owner, null AS share, null AS know
  UNION ALL
  // The window is a range of moments (index interaction_at); the grade is read from the client's timeline.
  WITH date($as_of) AS t,
       datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end,
       datetime({datetime: datetime({date: date($as_of) - duration({days: $concentration_window_days - 1}), timezone: $timezone}), timezone: 'Z'}) AS start
  MATCH (c:Client)
  WITH t, start, end, c, [k IN range(0, size(c.assessed) - 1) WHERE c.assessed[k] < end | c.grades[k]] AS graded
  WITH t, start, end, c, CASE WHEN last(graded) <> '' THEN last(graded) ELSE coalesce(c.grade, 'ungraded') END AS grade,
       COLLECT {
         MATCH (s:Staff)-[cov:COVERS]->(c)
         WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
           AND (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
         RETURN {staff: s.id, tier: cov.tier, since: cov.since} AS span
         ORDER BY span.staff, span.tier, span.since
       } AS cover
  CALL (c, t, start, end, cover) {
    // Everyone in the window's interactions, once: the concentration owner (as key_person_risk.cypher finds it) and
    // the strength of the active people who cover none of the client's stages.
    OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
    WHERE i.at >= start AND i.at < end
    WITH t, cover, count(i) AS total, collect(i) AS recent
    CALL (recent, t) {
      UNWIND recent AS i
      MATCH (p:Staff)-[:PARTICIPATED]->(i)
      WITH p, count(*) AS n, sum(0.5 ^ (toFloat(duration.inDays(date(datetime({datetime: i.at, timezone: $timezone})), t).days) / 30)) AS strength
      ORDER BY p.id
      RETURN collect({staff: p.id, n: n, strength: round(strength, 3),
                      active: (p.joined IS NULL OR p.joined <= t) AND (p.left IS NULL OR p.left > t)}) AS took
    }
    WITH total, cover, took,
         reduce(top = null, x IN took | CASE WHEN top IS NULL OR x.n > top.n THEN x ELSE top END) AS top
    WITH cover, took, top,
         CASE WHEN total >= $concentration_min_interactions AND total > 0
                   AND toFloat(top.n) / total >= $concentration_share THEN toFloat(top.n) / total END AS conc
    RETURN CASE WHEN conc IS NOT NULL THEN top.staff END AS owner, round(conc, 3) AS share,
           [x IN took WHERE x.active AND NOT x.staff IN [s IN cover | s.staff] | {staff: x.staff, strength: x.strength}] AS know
  }
  RETURN 'client' AS kind, c.id AS id, null AS name, null AS tier, null AS capacity,
         COLLECT {
           MATCH (team:Team)-[e:ENGAGES]->(c)
           WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
           RETURN DISTINCT team.id AS team
           ORDER BY team
         } AS teams,
         grade, cover, owner, share, know
}
RETURN kind, id, name, tier, capacity, teams, grade, cover, owner, share, know
ORDER BY kind, id

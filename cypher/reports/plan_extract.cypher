// name: plan_extract
// kind: extract
// doc: What the coverage planner (report coverage_plan) starts from, as of as_of: one row per active staff member
// doc: (tier, capacity, teams), per team (name) and per client (grade, active coverage, engaging teams, and who took
// doc: part in its interactions of the concentration window, with relationship strength). networkx plans from it.
// param: as_of date = today -- the day the plan is made for
// param: concentration_window_days int = policy -- window of days for relationship strength and concentration (180)
// column: kind -- staff, team or client
// column: id -- the record's id
// column: name -- staff or team name (null for clients)
// column: tier -- staff: key of their tier (IN_TIER), or null
// column: capacity -- staff: capacity, or null
// column: teams -- staff: teams they are an active member of; client: teams actively engaging it (sorted ids)
// column: grade -- client: grade on as_of
// column: cover -- client: active coverage [{staff, tier, since}] of active staff, by staff, tier, since
// column: window -- client: interactions in the window up to as_of
// column: know -- client: [{staff, n, strength}] everyone who took part in them: how many, and strength (3 decimals), by staff
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
         null AS grade, null AS cover, null AS window, null AS know
  UNION ALL
  MATCH (team:Team)
  RETURN 'team' AS kind, team.id AS id, team.name AS name, null AS tier, null AS capacity, null AS teams,
         null AS grade, null AS cover, null AS window, null AS know
  UNION ALL
  WITH date($as_of) AS t
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
    OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
    WHERE date(i.at) > t - duration({days: $concentration_window_days}) AND date(i.at) <= t
    WITH count(i) AS window, collect(i) AS recent
    CALL (recent, t) {
      UNWIND recent AS i
      MATCH (p:Staff)-[:PARTICIPATED]->(i)
      WITH p.id AS staff, count(*) AS n, sum(0.5 ^ (toFloat(duration.inDays(date(i.at), t).days) / 30)) AS total
      ORDER BY staff
      RETURN collect({staff: staff, n: n, strength: round(total, 3)}) AS know
    }
    RETURN window, know
  }
  RETURN 'client' AS kind, c.id AS id, null AS name, null AS tier, null AS capacity,
         COLLECT {
           MATCH (team:Team)-[e:ENGAGES]->(c)
           WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
           RETURN DISTINCT team.id AS team
           ORDER BY team
         } AS teams,
         coalesce(assessed, c.grade, 'ungraded') AS grade,
         COLLECT {
           MATCH (s:Staff)-[cov:COVERS]->(c)
           WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
             AND (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
           RETURN {staff: s.id, tier: cov.tier, since: cov.since} AS span
           ORDER BY span.staff, span.tier, span.since
         } AS cover,
         window, know
}
RETURN kind, id, name, tier, capacity, teams, grade, cover, window, know
ORDER BY kind, id

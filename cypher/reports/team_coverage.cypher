// name: team_coverage
// kind: report
// doc: One row per team: active members, tiers present, clients engaged and how many of them the team staffs at every tier.
// param: as_of date = today -- the day the report answers for
// column: team -- team id
// column: members -- active members (membership and staff member both active)
// column: tiers -- tier keys present among active members, by level
// column: clients -- clients actively engaged by the team
// column: fully_staffed -- engaged clients where every tier has an active coverer who is an active member of this team
// column: full_rate -- fully_staffed / clients rounded to 3 decimals, null when no clients
WITH date($as_of) AS t
MATCH (tier:Tier)
WITH t, tier
ORDER BY tier.level, tier.key
WITH t, collect(tier) AS tiers
MATCH (team:Team)
CALL (team, t) {
  OPTIONAL MATCH (s:Staff)-[m:MEMBER_OF]->(team)
  WHERE (m.since IS NULL OR m.since <= t) AND (m.until IS NULL OR m.until > t)
    AND (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
  RETURN collect(DISTINCT s) AS members
}
CALL (team, t) {
  OPTIONAL MATCH (team)-[e:ENGAGES]->(c:Client)
  WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
  RETURN collect(DISTINCT c) AS clients
}
CALL (members, clients, tiers, t) {
  // A client is fully staffed when the tiers its active coverers from this team cover include every tier.
  UNWIND clients AS c
  WITH c, COLLECT {
    MATCH (s:Staff)-[cov:COVERS]->(c)
    WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t) AND s IN members
    RETURN DISTINCT cov.tier
  } AS covered
  WHERE all(tier IN tiers WHERE tier.key IN covered)
  RETURN count(c) AS full
}
RETURN team.id AS team, size(members) AS members,
       [tier IN tiers WHERE any(s IN members WHERE EXISTS { (s)-[:IN_TIER]->(tier) }) | tier.key] AS tiers,
       size(clients) AS clients, full AS fully_staffed,
       CASE WHEN size(clients) > 0 THEN round(toFloat(full) / size(clients), 3) END AS full_rate
ORDER BY team

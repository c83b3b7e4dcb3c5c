// name: departure_impact
// kind: report
// doc: As if the given staff all left on as_of: every client that loses a stage or falls below policy, with successors.
// doc: successors is a list of {tier, staff} maps (Cypher cannot build a map with data-dependent keys
// doc: without APOC); graphcrm turns it into an object from tier key to staff ids.
// param: as_of date = today -- the day they leave
// param: staff list<string> -- ids of the staff members who leave
// param: min_per_tier map = policy -- active coverers required at every tier, by grade
// param: concentration_window_days int = policy -- window of days for "took part in an interaction with the client"
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: client -- client id
// column: grade -- grade on as_of
// column: value -- client value (null when unknown)
// column: lost_tiers -- tiers with at least one active coverer before and none after, by level
// column: below_policy_tiers -- tiers with before >= min_per_tier > after >= 1, by level
// column: successors -- for each lost tier, up to 3 active staff of that tier who stay, best first
WITH date($as_of) AS t, $staff AS leaving, datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end,
     datetime({datetime: datetime({date: date($as_of) - duration({days: $concentration_window_days - 1}), timezone: $timezone}), timezone: 'Z'}) AS start
MATCH (tier:Tier)
WITH t, leaving, end, start, tier
ORDER BY tier.level, tier.key
WITH t, leaving, end, start, collect(tier.key) AS tierKeys
MATCH (s:Staff)-[cov:COVERS]->(c:Client)
WHERE s.id IN leaving
  AND (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
  AND (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
// The leaving staff's clients, gathered before the candidate pools join them: a DISTINCT over rows that
// carry the pools held a copy per client (at L, past the server's 1 GiB per-transaction memory).
WITH t, leaving, end, start, tierKeys, collect(DISTINCT c) AS clients
CALL (t, leaving) {
  // Candidate successors per tier with their load, worked out once: active staff of the tier who stay.
  MATCH (cand:Staff)-[:IN_TIER]->(tier:Tier)
  WHERE NOT cand.id IN leaving
    AND (cand.joined IS NULL OR cand.joined <= t) AND (cand.left IS NULL OR cand.left > t)
  WITH tier.key AS key, cand,
       COUNT {
         MATCH (cand)-[cv:COVERS]->(other:Client)
         WHERE (cv.since IS NULL OR cv.since <= t) AND (cv.until IS NULL OR cv.until > t)
         RETURN DISTINCT other
       } AS load
  WITH key, collect({id: cand.id, load: load}) AS pool
  RETURN collect({key: key, pool: pool}) AS pools
}
UNWIND clients AS c
WITH t, leaving, end, start, tierKeys, pools, c, [k IN range(0, size(c.assessed) - 1) WHERE c.assessed[k] < end | c.grades[k]] AS graded
WITH t, leaving, start, end, tierKeys, pools, c, CASE WHEN last(graded) <> '' THEN last(graded) ELSE coalesce(c.grade, 'ungraded') END AS grade
CALL (c, t, tierKeys, leaving) {
  UNWIND tierKeys AS key
  OPTIONAL MATCH (s:Staff)-[cov:COVERS {tier: key}]->(c)
  WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
    AND (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
  WITH key, count(DISTINCT s) AS before, count(DISTINCT CASE WHEN NOT s.id IN leaving THEN s END) AS after
  RETURN collect({key: key, before: before, after: after}) AS perTier
}
WITH t, leaving, start, end, tierKeys, pools, c, grade, $min_per_tier[grade] AS required, perTier
WITH t, start, end, pools, c, grade,
     [k IN tierKeys WHERE any(x IN perTier WHERE x.key = k AND x.before >= 1 AND x.after = 0)] AS lost,
     [k IN tierKeys WHERE any(x IN perTier WHERE x.key = k AND x.before >= required AND required > x.after AND x.after >= 1)] AS below
WHERE size(lost) > 0 OR size(below) > 0
CALL (c, t, start, end, pools, lost) {
  UNWIND lost AS key
  WITH c, t, start, end, key, coalesce(head([p IN pools WHERE p.key = key | p.pool]), []) AS pool,
       COLLECT {
         MATCH (c)<-[:WITH]-(i:Interaction)<-[:PARTICIPATED]-(p:Staff)
         WHERE i.at >= start AND i.at < end
         RETURN DISTINCT p.id
       } AS recent,
       COLLECT {
         MATCH (c)<-[e:ENGAGES]-(:Team)<-[m:MEMBER_OF]-(p:Staff)
         WHERE (m.since IS NULL OR m.since <= t) AND (m.until IS NULL OR m.until > t)
           AND (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
         RETURN DISTINCT p.id
       } AS inTeam
  CALL (pool, recent, inTeam) {
    UNWIND pool AS cand
    WITH cand
    ORDER BY cand.id IN recent DESC, cand.id IN inTeam DESC, cand.load, cand.id
    LIMIT 3
    RETURN collect(cand.id) AS picks
  }
  RETURN collect({tier: key, staff: picks}) AS successors
}
RETURN c.id AS client, grade, c.value AS value, lost AS lost_tiers, below AS below_policy_tiers, successors
ORDER BY CASE grade WHEN 'A' THEN 0 WHEN 'B' THEN 1 WHEN 'C' THEN 2 ELSE 3 END, client

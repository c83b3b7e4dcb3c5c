// name: key_person_risk
// kind: report
// doc: Clients that depend on one person or where split authority is broken, with a weighted risk score.
// param: as_of date = today -- the day the report answers for
// param: weight map = policy -- risk weight by grade, e.g. {A: 3, B: 2, C: 1, ungraded: 1}
// param: min_per_tier map = policy -- active coverers required at every tier, by grade: single points count only where it is 2 or more
// param: concentration_share float = policy -- share of the client's interactions one person must reach (0.8)
// param: concentration_window_days int = policy -- window of days up to as_of for concentration (180)
// param: concentration_min_interactions int = policy -- fewest interactions in the window to judge concentration (5)
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: client -- client id
// column: grade -- grade on as_of
// column: bus_factor -- smallest number of active coverers over all tiers
// column: single_point_tiers -- tiers with exactly one active coverer, by level (a flag only where min_per_tier[grade] >= 2)
// column: multi_tier_staff -- sorted staff actively covering two or more tiers of this client
// column: end_to_end_owner -- a staff member covering every tier (when there are two or more), smallest id; else null
// column: concentration_owner -- staff member in >= concentration_share of the window's interactions (ties: smaller id); else null
// column: concentration_share -- that share, rounded to 3 decimals, or null
// column: risk -- weight[grade] x number of flags (bus_factor = 0, single point where policy asks for two, multi-tier, end-to-end, concentration)
WITH date($as_of) AS t, datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end,
     datetime({datetime: datetime({date: date($as_of) - duration({days: $concentration_window_days - 1}), timezone: $timezone}), timezone: 'Z'}) AS start
MATCH (tier:Tier)
WITH t, end, start, tier
ORDER BY tier.level, tier.key
WITH t, end, start, collect(tier.key) AS tierKeys
CALL (start, end) {
  // Every client once, with the person who dominates its interactions in the concentration window when
  // there is one: the window's interactions are found by moment (index interaction_at), not client by client.
  MATCH (c:Client)
  RETURN c, null AS concOwner, null AS concShare
  UNION ALL
  MATCH (i:Interaction)
  WHERE i.at >= start AND i.at < end
  MATCH (i)-[:WITH]->(c:Client)
  WITH c, collect(i) AS window
  WHERE size(window) >= $concentration_min_interactions
  CALL (window) {
    UNWIND window AS i
    MATCH (p:Staff)-[:PARTICIPATED]->(i)
    WITH p.id AS pid, count(*) AS n
    ORDER BY n DESC, pid
    LIMIT 1
    RETURN pid, n
  }
  WITH c, pid, toFloat(n) / size(window) AS share
  WHERE share >= $concentration_share
  RETURN c, pid AS concOwner, round(share, 3) AS concShare
}
WITH t, end, tierKeys, c, head(collect(concOwner)) AS concOwner, head(collect(concShare)) AS concShare
WITH t, tierKeys, concOwner, concShare, end, c, [k IN range(0, size(c.assessed) - 1) WHERE c.assessed[k] < end | c.grades[k]] AS graded
WITH t, tierKeys, c, concOwner, concShare, CASE WHEN last(graded) <> '' THEN last(graded) ELSE coalesce(c.grade, 'ungraded') END AS grade,
     COLLECT {
       MATCH (s:Staff)-[cov:COVERS]->(c)
       WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
         AND (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
       RETURN DISTINCT {tier: cov.tier, id: s.id} AS pair
       ORDER BY pair.id
     } AS active
WITH tierKeys, c, grade, concOwner, concShare, [k IN tierKeys | size([x IN active WHERE x.tier = k])] AS counts,
     [x IN active WHERE x.tier IN tierKeys] AS pairs
WITH tierKeys, c, grade, concOwner, concShare, counts,
     [i IN range(0, size(tierKeys) - 1) WHERE counts[i] = 1 | tierKeys[i]] AS single,
     reduce(ids = [], x IN pairs | CASE WHEN x.id IN ids THEN ids ELSE ids + x.id END) AS coverers, pairs
WITH tierKeys, c, grade, concOwner, concShare, counts, single,
     [id IN coverers WHERE size([x IN pairs WHERE x.id = id]) >= 2] AS multi,
     head([id IN coverers WHERE size(tierKeys) >= 2 AND size([x IN pairs WHERE x.id = id]) = size(tierKeys)]) AS owner
WITH c, grade, coalesce(reduce(m = null, n IN counts | CASE WHEN m IS NULL OR n < m THEN n ELSE m END), 0) AS bus_factor,
     single, multi, owner, concOwner, concShare
WITH c, grade, bus_factor, single, multi, owner, concOwner, concShare,
     CASE WHEN bus_factor = 0 THEN 1 ELSE 0 END
     + CASE WHEN size(single) > 0 AND $min_per_tier[grade] >= 2 THEN 1 ELSE 0 END
     + CASE WHEN size(multi) > 0 THEN 1 ELSE 0 END + CASE WHEN owner IS NOT NULL THEN 1 ELSE 0 END
     + CASE WHEN concOwner IS NOT NULL THEN 1 ELSE 0 END AS flags
WHERE flags > 0
RETURN c.id AS client, grade, bus_factor, single AS single_point_tiers, multi AS multi_tier_staff,
       owner AS end_to_end_owner, concOwner AS concentration_owner, concShare AS concentration_share,
       $weight[grade] * flags AS risk
ORDER BY risk DESC, client

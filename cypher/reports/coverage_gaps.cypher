// name: coverage_gaps
// kind: report
// doc: The coverage rows with fewer active coverers than the policy requires for the client's grade.
// param: as_of date = today -- the day the report answers for
// param: min_per_tier map = policy -- active coverers required at every tier, by grade, e.g. {A: 2, B: 1, C: 1, ungraded: 1}
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: client -- client id
// column: grade -- grade on as_of
// column: tier -- tier key of the short stage
// column: required -- coverers the policy requires for this grade
// column: actual -- active coverers of this stage
// column: shortfall -- required - actual
WITH date($as_of) AS t, datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end
MATCH (tier:Tier)
WITH t, end, tier
ORDER BY tier.level, tier.key
WITH t, end, collect(tier) AS tiers
MATCH (c:Client)
WITH t, end, tiers, c, [k IN range(0, size(c.assessed) - 1) WHERE c.assessed[k] < end | c.grades[k]] AS graded
WITH t, tiers, c, CASE WHEN last(graded) <> '' THEN last(graded) ELSE coalesce(c.grade, 'ungraded') END AS grade,
     COLLECT {
       MATCH (s:Staff)-[cov:COVERS]->(c)
       WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
         AND (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
       RETURN DISTINCT {tier: cov.tier, id: s.id} AS pair
       ORDER BY pair.id
     } AS active
UNWIND tiers AS tier
WITH c, grade, tier.key AS tierKey, tier.level AS tierLevel,
     size([x IN active WHERE x.tier = tier.key]) AS actual, $min_per_tier[grade] AS required
WHERE actual < required
RETURN c.id AS client, grade, tierKey AS tier, required, actual, required - actual AS shortfall
ORDER BY CASE grade WHEN 'A' THEN 0 WHEN 'B' THEN 1 WHEN 'C' THEN 2 ELSE 3 END, shortfall DESC, client, tierLevel, tier

// name: coverage
// kind: report
// doc: One row per client and tier: the staff actively covering that stage of the client on as_of.
// param: as_of date = today -- the day the report answers for
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: client -- client id
// column: name -- client name
// column: grade -- grade on as_of: latest assessment on or before it, else the declared grade, else ungraded
// column: tier -- tier key (the stage)
// column: level -- tier level, 1 = first stage
// column: staff -- sorted ids of the active staff actively covering this stage
// column: count -- how many of them
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
WITH c, grade, tier, [x IN active WHERE x.tier = tier.key | x.id] AS staff
RETURN c.id AS client, c.name AS name, grade, tier.key AS tier, tier.level AS level, staff, size(staff) AS count
ORDER BY client, level, tier

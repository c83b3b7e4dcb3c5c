// name: stalled_stages
// kind: report
// doc: Clients sitting in their current stage longer than the policy allows for that stage.
// doc: The stage starts at the latest handover on or before as_of, else at the client's first interaction.
// param: as_of date = today -- the day the report answers for
// param: max_stage_days map = policy -- days allowed per stage, by tier key (tiers not named use max_stage_default)
// param: max_stage_default int = policy -- days allowed in a stage not named in max_stage_days (60)
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: client -- client id
// column: grade -- grade on as_of
// column: stage -- stage on as_of: latest handover's, else declared, else the level-1 tier
// column: since -- day the client entered that stage (or first interaction)
// column: days -- days from since to as_of
WITH date($as_of) AS t, datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end
OPTIONAL MATCH (first:Tier {level: 1})
WITH t, end, first.key AS firstKey
ORDER BY firstKey
LIMIT 1
MATCH (c:Client)
WITH t, end, firstKey, c, [k IN range(0, size(c.assessed) - 1) WHERE c.assessed[k] < end | c.grades[k]] AS graded,
     [k IN range(0, size(c.handed) - 1) WHERE c.handed[k] < end] AS handed
WITH t, end, firstKey, c, CASE WHEN last(graded) <> '' THEN last(graded) ELSE coalesce(c.grade, 'ungraded') END AS grade,
     c.stages[last(handed)] AS handedStage, c.handed[last(handed)] AS handedAt
WITH t, c, grade, CASE WHEN handedStage <> '' THEN handedStage ELSE coalesce(c.stage, firstKey) END AS stage,
     coalesce(handedAt, CASE WHEN c.first < end THEN c.first END) AS sinceAt
WHERE sinceAt IS NOT NULL
WITH t, c, grade, stage, date(datetime({datetime: sinceAt, timezone: $timezone})) AS since
WITH c, grade, stage, since, duration.inDays(since, t).days AS days
WHERE days > coalesce($max_stage_days[stage], $max_stage_default)
RETURN c.id AS client, grade, stage, since, days
ORDER BY days DESC, client

// name: stale_clients
// kind: report
// doc: Clients nobody has interacted with for longer than their grade allows, or ever.
// param: as_of date = today -- the day the report answers for
// param: max_silence_days map = policy -- longest gap allowed since the last interaction, by grade
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: client -- client id
// column: grade -- grade on as_of
// column: last -- day of the last interaction on or before as_of, or null
// column: days_silent -- days from last to as_of, or null when there was none
// column: limit -- max_silence_days for the grade
WITH date($as_of) AS t, datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end
MATCH (c:Client)
WITH t, end, c, [k IN range(0, size(c.assessed) - 1) WHERE c.assessed[k] < end | c.grades[k]] AS graded
WITH t, end, c, CASE WHEN last(graded) <> '' THEN last(graded) ELSE coalesce(c.grade, 'ungraded') END AS grade
// c.last is the client's latest interaction; only when it is after the day asked for are its interactions walked.
WITH t, c, grade,
     CASE WHEN c.last IS NULL OR c.last < end THEN c.last
          ELSE head(COLLECT { MATCH (c)<-[:WITH]-(i:Interaction) WHERE i.at < end RETURN i.at ORDER BY i.at DESC LIMIT 1 })
     END AS lastAt
WITH t, c, grade, CASE WHEN lastAt IS NOT NULL THEN date(datetime({datetime: lastAt, timezone: $timezone})) END AS last
WITH c, grade, last, CASE WHEN last IS NULL THEN null ELSE duration.inDays(last, t).days END AS silent,
     $max_silence_days[grade] AS allowed
WHERE silent IS NULL OR silent > allowed
RETURN c.id AS client, grade, last, silent AS days_silent, allowed AS `limit`
ORDER BY CASE grade WHEN 'A' THEN 0 WHEN 'B' THEN 1 WHEN 'C' THEN 2 ELSE 3 END, days_silent DESC, client

// name: stale_clients
// kind: report
// doc: Clients nobody has interacted with for longer than their grade allows, or ever.
// param: as_of date = today -- the day the report answers for
// param: max_silence_days map = policy -- longest gap allowed since the last interaction, by grade
// column: client -- client id
// column: grade -- grade on as_of
// column: last -- day of the last interaction on or before as_of, or null
// column: days_silent -- days from last to as_of, or null when there was none
// column: limit -- max_silence_days for the grade
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
WITH t, c, coalesce(assessed, c.grade, 'ungraded') AS grade
CALL (c, t) {
  OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
  WHERE date(i.at) <= t
  RETURN max(date(i.at)) AS last
}
WITH c, grade, last, CASE WHEN last IS NULL THEN null ELSE duration.inDays(last, t).days END AS silent,
     $max_silence_days[grade] AS allowed
WHERE silent IS NULL OR silent > allowed
RETURN c.id AS client, grade, last, silent AS days_silent, allowed AS `limit`
ORDER BY CASE grade WHEN 'A' THEN 0 WHEN 'B' THEN 1 WHEN 'C' THEN 2 ELSE 3 END, days_silent DESC, client

// name: relationships
// kind: report
// doc: Relationship strength of each staff member with each client, from the interactions they took part in.
// param: as_of date = today -- the day the report answers for
// param: concentration_window_days int = policy -- window of days up to as_of (180)
// column: staff -- staff id
// column: client -- client id
// column: interactions -- interactions together in the window
// column: last -- day of the latest of them
// column: strength -- sum of 0.5^(age_days / 30) over them (age from as_of), rounded to 3 decimals
WITH date($as_of) AS t
MATCH (s:Staff)-[:PARTICIPATED]->(i:Interaction)-[:WITH]->(c:Client)
WHERE date(i.at) > t - duration({days: $concentration_window_days}) AND date(i.at) <= t
WITH t, s, c, date(i.at) AS day
WITH s.id AS staff, c.id AS client, count(*) AS interactions, max(day) AS last,
     sum(0.5 ^ (toFloat(duration.inDays(day, t).days) / 30)) AS total
RETURN staff, client, interactions, last, round(total, 3) AS strength
ORDER BY strength DESC, staff, client

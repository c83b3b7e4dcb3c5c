// name: relationships
// kind: report
// doc: Relationship strength of each staff member with each client, from the interactions they took part in.
// param: as_of date = today -- the day the report answers for
// param: concentration_window_days int = policy -- window of days up to as_of (180)
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: staff -- staff id
// column: client -- client id
// column: interactions -- interactions together in the window
// column: last -- day of the latest of them
// column: strength -- sum of 0.5^(age_days / 30) over them (age from as_of), rounded to 3 decimals
WITH date($as_of) AS t, datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end,
     datetime({datetime: datetime({date: date($as_of) - duration({days: $concentration_window_days - 1}), timezone: $timezone}), timezone: 'Z'}) AS start
MATCH (i:Interaction)
WHERE i.at >= start AND i.at < end
WITH t, i, date(datetime({datetime: i.at, timezone: $timezone})) AS day
MATCH (s:Staff)-[:PARTICIPATED]->(i)-[:WITH]->(c:Client)
WITH t, s, c, day
WITH s.id AS staff, c.id AS client, count(*) AS interactions, max(day) AS last,
     sum(0.5 ^ (toFloat(duration.inDays(day, t).days) / 30)) AS total
RETURN staff, client, interactions, last, round(total, 3) AS strength
ORDER BY strength DESC, staff, client

// name: staff_load
// kind: report
// doc: One row per active staff member: how many clients they actively cover, by grade, against capacity.
// param: as_of date = today -- the day the report answers for
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: staff -- staff id
// column: tier -- key of the staff member's tier (IN_TIER)
// column: clients -- distinct clients actively covered
// column: a -- of which graded A on as_of
// column: b -- of which graded B
// column: c -- of which graded C
// column: ungraded -- of which ungraded
// column: capacity -- max clients (null when not set)
// column: utilisation -- clients / capacity rounded to 3 decimals; null without capacity
CALL () {
  // Each client's grade is worked out once, then its active coverers are counted against it.
  WITH date($as_of) AS t, datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end
  MATCH (c:Client)
  WITH t, end, c, [k IN range(0, size(c.assessed) - 1) WHERE c.assessed[k] < end | c.grades[k]] AS graded
  WITH t, c, CASE WHEN last(graded) <> '' THEN last(graded) ELSE coalesce(c.grade, 'ungraded') END AS grade
  MATCH (s:Staff)-[cov:COVERS]->(c)
  WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
    AND (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
  WITH DISTINCT s, c, grade
  RETURN s, count(c) AS clients,
         sum(CASE grade WHEN 'A' THEN 1 ELSE 0 END) AS a,
         sum(CASE grade WHEN 'B' THEN 1 ELSE 0 END) AS b,
         sum(CASE grade WHEN 'C' THEN 1 ELSE 0 END) AS c,
         sum(CASE grade WHEN 'ungraded' THEN 1 ELSE 0 END) AS ungraded
  UNION ALL
  // Active staff who cover no client today.
  WITH date($as_of) AS t
  MATCH (s:Staff)
  WHERE (s.joined IS NULL OR s.joined <= t) AND (s.left IS NULL OR s.left > t)
    AND NOT EXISTS {
      MATCH (s)-[cov:COVERS]->(:Client)
      WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
    }
  RETURN s, 0 AS clients, 0 AS a, 0 AS b, 0 AS c, 0 AS ungraded
}
WITH s, clients, a, b, c, ungraded,
     CASE WHEN s.capacity > 0 THEN round(toFloat(clients) / s.capacity, 3) END AS utilisation
RETURN s.id AS staff, head([(s)-[:IN_TIER]->(tier:Tier) | tier.key]) AS tier, clients, a, b, c, ungraded,
       s.capacity AS capacity, utilisation
ORDER BY utilisation IS NULL, utilisation DESC, staff

// name: missed_demand
// kind: report
// doc: Needs detected in the window: captured by an active tier-1 coverer of the client, or a miss of every such coverer.
// param: as_of date = today -- the day the report answers for
// param: missed_window_days int = policy -- window of days up to as_of (365)
// column: staff -- staff id, or null for needs of clients with no active tier-1 coverer
// column: captured -- needs this person captured while an active tier-1 coverer of the client
// column: missed -- needs of their clients that someone else (or nobody) captured
// column: capture_rate -- captured / (captured + missed), rounded to 3 decimals
WITH date($as_of) AS t
OPTIONAL MATCH (first:Tier {level: 1})
WITH t, collect(first.key) AS firstTiers
MATCH (c:Client)-[:HAS_NEED]->(n:Need)
WHERE n.detected > t - duration({days: $missed_window_days}) AND n.detected <= t
CALL (c, n, firstTiers) {
  OPTIONAL MATCH (s:Staff)-[cov:COVERS]->(c)
  WHERE cov.tier IN firstTiers
    AND (cov.since IS NULL OR cov.since <= n.detected) AND (cov.until IS NULL OR cov.until > n.detected)
    AND (s.joined IS NULL OR s.joined <= n.detected) AND (s.left IS NULL OR s.left > n.detected)
  RETURN collect(DISTINCT s.id) AS intel
}
CALL (n) {
  OPTIONAL MATCH (p:Staff)-[:CAPTURED]->(n)
  RETURN head(collect(p.id)) AS captor
}
WITH CASE
       WHEN captor IS NOT NULL AND captor IN intel THEN [{staff: captor, captured: 1, missed: 0}]
       WHEN size(intel) > 0 THEN [x IN intel | {staff: x, captured: 0, missed: 1}]
       ELSE [{staff: null, captured: 0, missed: 1}]
     END AS tallies
UNWIND tallies AS tally
WITH tally.staff AS staff, sum(tally.captured) AS captured, sum(tally.missed) AS missed
RETURN staff, captured, missed, round(toFloat(captured) / (captured + missed), 3) AS capture_rate
ORDER BY missed DESC, staff

// name: path_graph
// kind: extract
// doc: The who-knows-whom graph around two nodes (people, clients or teams) as of as_of, for the report path:
// doc: active coverage, active membership, active engagement, and "knows" (an active staff member took part in an
// doc: interaction with the client in the concentration window; strength as in relationships). It holds every edge
// doc: touching the two nodes or their neighbours, which holds every chain of up to 4 steps; when those are fewer
// doc: than 3 and max_hops is above 4, it is the whole day's graph instead. One row per endpoint found, then per edge.
// param: as_of date = today -- the day the chains must be true on
// param: from string -- id of the first person, client or team
// param: to string -- id of the second
// param: max_hops int = 6 -- longest chain wanted (steps)
// param: concentration_window_days int = policy -- window of days for "knows" (180)
// param: timezone string = policy -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: kind -- node (an endpoint found by id) or edge
// column: source -- node: its id; edge: the staff member (staff-client, staff-team) or the team (team-client)
// column: source_label -- Staff, Client or Team
// column: source_name -- its name
// column: target -- edge: the client or team at the other end (null for nodes)
// column: target_label -- its label
// column: target_name -- its name
// column: via -- knows, coverage, membership or engagement (knows wins when a staff-client pair has both)
// column: strength -- staff-client: relationship strength over the window, 3 decimals (0 without interactions)
CALL () {
  WITH date($as_of) AS t, date($as_of) - duration({days: $concentration_window_days}) AS w0
  CALL () {
    CALL () {
      MATCH (n:Staff {id: $from})
      RETURN n
      UNION
      MATCH (n:Client {id: $from})
      RETURN n
      UNION
      MATCH (n:Team {id: $from})
      RETURN n
    }
    RETURN collect(n) AS froms
  }
  CALL () {
    CALL () {
      MATCH (n:Staff {id: $to})
      RETURN n
      UNION
      MATCH (n:Client {id: $to})
      RETURN n
      UNION
      MATCH (n:Team {id: $to})
      RETURN n
    }
    RETURN collect(n) AS tos
  }
  // Two ends found (each id names one node, and not the same one), else none: the report then says which is wrong.
  WITH t, w0, CASE WHEN size(froms) = 1 AND size(tos) = 1 AND froms[0] <> tos[0] THEN froms + tos ELSE [] END AS ends
  // The ends and their neighbours: the region whose edges hold every chain of up to 4 steps.
  CALL (t, w0, ends) {
    UNWIND ends AS v
    CALL (v, t, w0) {
      MATCH (v:Staff)-[cov:COVERS]->(x:Client)
      WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
        AND (v.joined IS NULL OR v.joined <= t) AND (v.left IS NULL OR v.left > t)
      RETURN x
      UNION
      MATCH (x:Staff)-[cov:COVERS]->(v:Client)
      WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
        AND (x.joined IS NULL OR x.joined <= t) AND (x.left IS NULL OR x.left > t)
      RETURN x
      UNION
      MATCH (v:Staff)-[:PARTICIPATED]->(i:Interaction)-[:WITH]->(x:Client)
      WHERE date(datetime({datetime: i.at, timezone: $timezone})) > w0 AND date(datetime({datetime: i.at, timezone: $timezone})) <= t AND (v.joined IS NULL OR v.joined <= t) AND (v.left IS NULL OR v.left > t)
      RETURN x
      UNION
      MATCH (x:Staff)-[:PARTICIPATED]->(i:Interaction)-[:WITH]->(v:Client)
      WHERE date(datetime({datetime: i.at, timezone: $timezone})) > w0 AND date(datetime({datetime: i.at, timezone: $timezone})) <= t AND (x.joined IS NULL OR x.joined <= t) AND (x.left IS NULL OR x.left > t)
      RETURN x
      UNION
      MATCH (v:Staff)-[m:MEMBER_OF]->(x:Team)
      WHERE (m.since IS NULL OR m.since <= t) AND (m.until IS NULL OR m.until > t)
        AND (v.joined IS NULL OR v.joined <= t) AND (v.left IS NULL OR v.left > t)
      RETURN x
      UNION
      MATCH (x:Staff)-[m:MEMBER_OF]->(v:Team)
      WHERE (m.since IS NULL OR m.since <= t) AND (m.until IS NULL OR m.until > t)
        AND (x.joined IS NULL OR x.joined <= t) AND (x.left IS NULL OR x.left > t)
      RETURN x
      UNION
      MATCH (v:Team)-[e:ENGAGES]->(x:Client)
      WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
      RETURN x
      UNION
      MATCH (x:Team)-[e:ENGAGES]->(v:Client)
      WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
      RETURN x
    }
    RETURN collect(DISTINCT x) AS near
  }
  WITH t, w0, ends, [x IN near WHERE NOT x IN ends] AS near
  CALL (t, w0, ends, near) {
    UNWIND ends + near AS v
    CALL (v, t, w0) {
      MATCH (v:Staff)-[cov:COVERS]->(x:Client)
      WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
        AND (v.joined IS NULL OR v.joined <= t) AND (v.left IS NULL OR v.left > t)
      RETURN v AS p, x AS q, null AS i
      UNION
      MATCH (x:Staff)-[cov:COVERS]->(v:Client)
      WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
        AND (x.joined IS NULL OR x.joined <= t) AND (x.left IS NULL OR x.left > t)
      RETURN x AS p, v AS q, null AS i
      UNION
      MATCH (v:Staff)-[:PARTICIPATED]->(i:Interaction)-[:WITH]->(x:Client)
      WHERE date(datetime({datetime: i.at, timezone: $timezone})) > w0 AND date(datetime({datetime: i.at, timezone: $timezone})) <= t AND (v.joined IS NULL OR v.joined <= t) AND (v.left IS NULL OR v.left > t)
      RETURN v AS p, x AS q, i
      UNION
      MATCH (x:Staff)-[:PARTICIPATED]->(i:Interaction)-[:WITH]->(v:Client)
      WHERE date(datetime({datetime: i.at, timezone: $timezone})) > w0 AND date(datetime({datetime: i.at, timezone: $timezone})) <= t AND (x.joined IS NULL OR x.joined <= t) AND (x.left IS NULL OR x.left > t)
      RETURN x AS p, v AS q, i
      UNION
      MATCH (v:Staff)-[m:MEMBER_OF]->(x:Team)
      WHERE (m.since IS NULL OR m.since <= t) AND (m.until IS NULL OR m.until > t)
        AND (v.joined IS NULL OR v.joined <= t) AND (v.left IS NULL OR v.left > t)
      RETURN v AS p, x AS q, null AS i
      UNION
      MATCH (x:Staff)-[m:MEMBER_OF]->(v:Team)
      WHERE (m.since IS NULL OR m.since <= t) AND (m.until IS NULL OR m.until > t)
        AND (x.joined IS NULL OR x.joined <= t) AND (x.left IS NULL OR x.left > t)
      RETURN x AS p, v AS q, null AS i
      UNION
      MATCH (v:Team)-[e:ENGAGES]->(x:Client)
      WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
      RETURN v AS p, x AS q, null AS i
      UNION
      MATCH (x:Team)-[e:ENGAGES]->(v:Client)
      WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
      RETURN x AS p, v AS q, null AS i
    }
    RETURN collect({p: p, q: q, i: i}) AS found
  }
  // Chains of up to 4 steps between the ends, counted on the region: a-b, a-x-b, a-x-y-b and a-x-m-z-b.
  WITH t, w0, ends, found,
       COLLECT { UNWIND found AS f RETURN DISTINCT [elementId(f.p), elementId(f.q)] AS link } AS links,
       [x IN near WHERE any(f IN found WHERE (f.p = ends[0] AND f.q = x) OR (f.q = ends[0] AND f.p = x)) | elementId(x)] AS ia,
       [x IN near WHERE any(f IN found WHERE (f.p = ends[1] AND f.q = x) OR (f.q = ends[1] AND f.p = x)) | elementId(x)] AS ib,
       [v IN ends | elementId(v)] AS ab
  WITH t, w0, ends, found, links, ia, ib, ab,
       size([l IN links WHERE size(ab) = 2 AND l IN [[ab[0], ab[1]], [ab[1], ab[0]]]])
       + size([x IN ia WHERE x IN ib])
       + size([l IN links WHERE l[0] IN ia AND l[1] IN ib]) + size([l IN links WHERE l[1] IN ia AND l[0] IN ib]) AS shorter
  CALL (links, ia, ib, ab) {
    UNWIND links AS l
    UNWIND [[l[0], l[1]], [l[1], l[0]]] AS side
    WITH side[0] AS x, side[1] AS m, ia, ib, ab
    WHERE NOT m IN ab AND (x IN ia OR x IN ib)
    WITH m, sum(CASE WHEN x IN ia THEN 1 ELSE 0 END) AS fromA, sum(CASE WHEN x IN ib THEN 1 ELSE 0 END) AS fromB,
         sum(CASE WHEN x IN ia AND x IN ib THEN 1 ELSE 0 END) AS both
    RETURN sum(fromA * fromB - both) AS longer
  }
  WITH t, w0, found,
       size(ends) = 2 AND shorter + coalesce(longer, 0) < 3 AND $max_hops > 4 AND size(ia) > 0 AND size(ib) > 0 AS everything
  // Too few short chains: the whole day's graph, each edge found from its staff or team end.
  CALL (t, w0, everything) {
    WITH t, w0, everything
    WHERE everything
    CALL () {
      MATCH (v:Staff)
      RETURN v
      UNION
      MATCH (v:Team)
      RETURN v
    }
    CALL (v, t, w0) {
      MATCH (v:Staff)-[cov:COVERS]->(x:Client)
      WHERE (cov.since IS NULL OR cov.since <= t) AND (cov.until IS NULL OR cov.until > t)
        AND (v.joined IS NULL OR v.joined <= t) AND (v.left IS NULL OR v.left > t)
      RETURN v AS p, x AS q, null AS i
      UNION
      MATCH (v:Staff)-[:PARTICIPATED]->(i:Interaction)-[:WITH]->(x:Client)
      WHERE date(datetime({datetime: i.at, timezone: $timezone})) > w0 AND date(datetime({datetime: i.at, timezone: $timezone})) <= t AND (v.joined IS NULL OR v.joined <= t) AND (v.left IS NULL OR v.left > t)
      RETURN v AS p, x AS q, i
      UNION
      MATCH (v:Staff)-[m:MEMBER_OF]->(x:Team)
      WHERE (m.since IS NULL OR m.since <= t) AND (m.until IS NULL OR m.until > t)
        AND (v.joined IS NULL OR v.joined <= t) AND (v.left IS NULL OR v.left > t)
      RETURN v AS p, x AS q, null AS i
      UNION
      MATCH (v:Team)-[e:ENGAGES]->(x:Client)
      WHERE (e.since IS NULL OR e.since <= t) AND (e.until IS NULL OR e.until > t)
      RETURN v AS p, x AS q, null AS i
    }
    RETURN collect({p: p, q: q, i: i}) AS whole
  }
  UNWIND CASE WHEN everything THEN whole ELSE found END AS f
  WITH t, f.p AS p, f.q AS q, f.i AS i
  ORDER BY i.id
  // One edge per pair; knows when they share an interaction of the window, strength summed in interaction id order.
  WITH t, p, q, collect(DISTINCT i) AS shared
  RETURN 'edge' AS kind, p.id AS source, labels(p)[0] AS source_label, p.name AS source_name,
         q.id AS target, labels(q)[0] AS target_label, q.name AS target_name,
         CASE WHEN size(shared) > 0 THEN 'knows' WHEN p:Team THEN 'engagement' WHEN q:Team THEN 'membership'
              ELSE 'coverage' END AS via,
         CASE WHEN p:Staff AND q:Client
              THEN round(reduce(x = 0.0, i IN shared | x + 0.5 ^ (toFloat(duration.inDays(date(datetime({datetime: i.at, timezone: $timezone})), t).days) / 30)), 3)
              ELSE 0.0 END AS strength
  UNION
  CALL () {
    MATCH (n:Staff)
    WHERE n.id IN [$from, $to]
    RETURN n
    UNION
    MATCH (n:Client)
    WHERE n.id IN [$from, $to]
    RETURN n
    UNION
    MATCH (n:Team)
    WHERE n.id IN [$from, $to]
    RETURN n
  }
  RETURN 'node' AS kind, n.id AS source, labels(n)[0] AS source_label, n.name AS source_name,
         null AS target, null AS target_label, null AS target_name, null AS via, null AS strength
}
RETURN kind, source, source_label, source_name, target, target_label, target_name, via, strength
ORDER BY kind, source_label, source, target_label, target

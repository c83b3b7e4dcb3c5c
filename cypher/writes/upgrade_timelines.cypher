// name: upgrade_timelines
// kind: write
// doc: Compute the client timelines (see refresh_timelines) of every client that has none yet: a database
// doc: written before graphcrm kept them. Run by `graphcrm init` in batches of its own transactions (an
// doc: auto-commit query); clients written since carry them from the start, so it finds nothing to do.
MATCH (c:Client)
WHERE c.assessed IS NULL
CALL (c) {
  OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
  WITH i
  ORDER BY i.at, i.id
  WITH collect(i) AS ordered
  WITH [x IN ordered WHERE x.kind = 'assessment'] AS assessments, [x IN ordered WHERE x.kind = 'handover'] AS handovers,
       head(ordered).at AS first, last(ordered).at AS last
  SET c.assessed = [a IN assessments | a.at],
      c.grades = [a IN assessments | coalesce(a.grade, '')],
      c.handed = [h IN handovers | h.at],
      c.stages = [h IN handovers | coalesce(h.stage, '')],
      c.first = first,
      c.last = last
} IN TRANSACTIONS OF 2000 ROWS

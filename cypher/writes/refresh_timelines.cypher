// name: refresh_timelines
// kind: write
// doc: Recompute the timelines kept on each given client from its interactions: `assessed` and `grades`
// doc: (its assessments' moments and grades, by at then id), `handed` and `stages` (its handovers'),
// doc: `first` and `last` (its earliest and latest interaction's moment). Reports read a client's grade
// doc: and stage on a day, and its first and last interaction, from these instead of walking every
// doc: interaction. The write path calls this for every client whose interactions it changed.
// doc: A missing grade or stage is kept as '' (a list property cannot hold null).
// param: clients list<string> -- ids of the clients to recompute
UNWIND $clients AS id
MATCH (c:Client {id: id})
CALL (c) {
  OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
  WITH i
  ORDER BY i.at, i.id
  WITH collect(i) AS ordered
  RETURN [x IN ordered WHERE x.kind = 'assessment'] AS assessments, [x IN ordered WHERE x.kind = 'handover'] AS handovers,
         head(ordered).at AS first, last(ordered).at AS last
}
SET c.assessed = [a IN assessments | a.at],
    c.grades = [a IN assessments | coalesce(a.grade, '')],
    c.handed = [h IN handovers | h.at],
    c.stages = [h IN handovers | coalesce(h.stage, '')],
    c.first = first,
    c.last = last

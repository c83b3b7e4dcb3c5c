// name: forget_trend_points
// kind: write
// doc: Inside a write: the cached trend points from day `from` on may no longer be true, so they go; and when
// doc: the write reaches back before today (history edited), the epoch moves, so a trend computed from what was
// doc: read before it cannot be saved (save_trend_points compares the epoch). Written as unit subqueries, so that
// doc: a change runs it at the head of its first write statement, with its audit entry (one round trip less).
// param: from date -- the first day the write can change
// param: edited bool -- whether `from` is before today
CALL () {
  MATCH (p:TrendPoint)
  WHERE p.day >= date($from)
  DETACH DELETE p
}
CALL () {
  WITH $edited AS edited
  WHERE edited
  MERGE (h:TrendHistory {key: 'history'})
  SET h.epoch = coalesce(h.epoch, 0) + 1
}

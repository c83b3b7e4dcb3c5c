// name: save_trend_points
// kind: write
// doc: Keep trend points computed for past days, unless the history epoch moved since the computation read the
// doc: graph (a history edit in between may have made them stale). The epoch node is locked first, then read.
// param: epoch int -- the epoch the computation started from
// param: points list<map> -- [{key, day, figures}] with figures as JSON text
// column: saved -- how many points were kept (0 when the epoch moved)
MERGE (h:TrendHistory {key: 'history'})
ON CREATE SET h.epoch = 0
SET h.graphcrm_lock = true
REMOVE h.graphcrm_lock
WITH h
WHERE h.epoch = $epoch
UNWIND $points AS point
MERGE (p:TrendPoint {key: point.key})
SET p.day = date(point.day), p.figures = point.figures
RETURN count(p) AS saved

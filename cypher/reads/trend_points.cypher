// name: trend_points
// kind: read
// doc: Cached trend points by key (a key names a day, the policy and the headline figures), and the history epoch.
// param: keys list<string> -- the keys wanted
// column: epoch -- the history epoch now
// column: points -- [{key, figures}] found, figures as JSON text
OPTIONAL MATCH (h:TrendHistory {key: 'history'})
RETURN coalesce(h.epoch, 0) AS epoch,
       COLLECT {
         UNWIND $keys AS key
         MATCH (p:TrendPoint {key: key})
         RETURN {key: p.key, figures: p.figures} AS point
       } AS points

// name: client_timeline
// kind: read
// doc: A client's interactions, newest first, and its needs, for the client page.
// param: client string -- client id
// param: max int = 200 -- interactions at most
// column: interactions -- [{id, kind, at, staff, amount, summary, grade, score, stage}] newest first
// column: needs -- [{id, detected, summary, source, staff}] newest first
MATCH (c:Client {id: $client})
RETURN COLLECT {
         MATCH (c)<-[:WITH]-(i:Interaction)
         RETURN {id: i.id, kind: i.kind, at: i.at, amount: i.amount, summary: i.summary, grade: i.grade,
                 score: i.score, stage: i.stage,
                 staff: COLLECT { MATCH (p:Staff)-[:PARTICIPATED]->(i) RETURN p.id ORDER BY p.id }} AS item
         ORDER BY item.at DESC, item.id DESC
         LIMIT $max
       } AS interactions,
       COLLECT {
         MATCH (c)-[:HAS_NEED]->(n:Need)
         RETURN {id: n.id, detected: n.detected, summary: n.summary, source: n.source,
                 staff: head([(p:Staff)-[:CAPTURED]->(n) | p.id])} AS item
         ORDER BY item.detected DESC, item.id DESC
       } AS needs

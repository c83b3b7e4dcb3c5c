// name: client_activity
// kind: read
// doc: What happened lately with some clients: their last interaction and their last communication or transaction
// doc: (an answer to a need) on or before as_of, and the needs detected by then. A staff member's work queue reads it.
// param: clients list<string> -- client ids
// param: as_of date -- the day it is asked for
// column: client -- client id
// column: last -- the moment of the latest interaction on or before as_of, or null
// column: answered -- the moment of the latest communication or transaction on or before as_of, or null
// column: needs -- [{id, client, detected, summary, source, staff}] detected on or before as_of, newest first
UNWIND $clients AS id
MATCH (c:Client {id: id})
CALL (c) {
  OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
  WHERE date(i.at) <= date($as_of)
  RETURN max(i.at) AS last
}
CALL (c) {
  OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
  WHERE i.kind IN ['communication', 'transaction'] AND date(i.at) <= date($as_of)
  RETURN max(i.at) AS answered
}
RETURN c.id AS client, last, answered,
       COLLECT {
         MATCH (c)-[:HAS_NEED]->(n:Need)
         WHERE n.detected <= date($as_of)
         OPTIONAL MATCH (s:Staff)-[:CAPTURED]->(n)
         RETURN n {.id, client: c.id, .detected, .summary, .source, staff: s.id} AS need
         ORDER BY need.detected DESC, need.id DESC
       } AS needs
ORDER BY client

// name: client_activity
// kind: read
// doc: What happened lately with some clients: their last interaction and their last communication or transaction
// doc: (an answer to a need) on or before as_of, and the needs detected by then. A staff member's work queue reads it.
// param: clients list<string> -- client ids
// param: as_of date -- the day it is asked for
// param: timezone string -- the organisation's time zone (IANA name): an interaction's day is its calendar day there
// column: client -- client id
// column: last -- the moment of the latest interaction on or before as_of (in the zone), or null
// column: answered -- the moment of the latest communication or transaction on or before as_of, or null
// column: needs -- [{id, client, detected, summary, source, staff}] detected on or before as_of, newest first
WITH datetime({datetime: datetime({date: date($as_of) + duration({days: 1}), timezone: $timezone}), timezone: 'Z'}) AS end
UNWIND $clients AS id
MATCH (c:Client {id: id})
CALL (c, end) {
  OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
  WHERE i.at < end
  RETURN max(i.at) AS last
}
CALL (c, end) {
  OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
  WHERE i.kind IN ['communication', 'transaction'] AND i.at < end
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

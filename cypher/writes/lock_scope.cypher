// name: lock_scope
// kind: write
// doc: Take the write locks of the nodes a change is checked against, so that the permission check and
// doc: the write see the same graph: a concurrent change to these clients, people or teams waits for this
// doc: transaction. Setting then removing a property locks a node until the transaction ends and leaves
// doc: nothing changed. Each kind is locked in id order, so two changes lock in the same order.
// doc: It takes the same parameters as reads/views.cypher and ends in unit subqueries only, so the store
// doc: runs it as the head of that query: lock, then read the scope, in one statement and one round trip.
// param: clients list<string> = [] -- client ids
// param: staff list<string> = [] -- staff ids whose view is wanted (locked)
// param: people list<string> = [] -- staff ids whose record alone is wanted (locked too)
// param: teams list<string> = [] -- team ids
CALL () {
  UNWIND $clients AS id
  WITH DISTINCT id ORDER BY id
  MATCH (n:Client {id: id})
  SET n.graphcrm_lock = true
  REMOVE n.graphcrm_lock
}
CALL () {
  UNWIND $staff + $people AS id
  WITH DISTINCT id ORDER BY id
  MATCH (n:Staff {id: id})
  SET n.graphcrm_lock = true
  REMOVE n.graphcrm_lock
}
CALL () {
  UNWIND $teams AS id
  WITH DISTINCT id ORDER BY id
  MATCH (n:Team {id: id})
  SET n.graphcrm_lock = true
  REMOVE n.graphcrm_lock
}

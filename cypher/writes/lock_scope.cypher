// name: lock_scope
// kind: write
// doc: Take the write locks of the nodes a change is checked against, so that the permission check and
// doc: the write see the same graph: a concurrent change to these clients, people or teams waits for this
// doc: transaction. Setting then removing a property locks a node until the transaction ends and leaves
// doc: nothing changed. Callers pass sorted ids, so two changes lock in the same order.
// param: clients list<string> -- client ids
// param: staff list<string> -- staff ids
// param: teams list<string> -- team ids
CALL () {
  UNWIND $clients AS id
  MATCH (n:Client {id: id})
  SET n.graphcrm_lock = true
  REMOVE n.graphcrm_lock
}
CALL () {
  UNWIND $staff AS id
  MATCH (n:Staff {id: id})
  SET n.graphcrm_lock = true
  REMOVE n.graphcrm_lock
}
CALL () {
  UNWIND $teams AS id
  MATCH (n:Team {id: id})
  SET n.graphcrm_lock = true
  REMOVE n.graphcrm_lock
}

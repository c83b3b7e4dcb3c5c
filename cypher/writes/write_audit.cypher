// name: write_audit
// kind: write
// doc: Append one audit entry (in the same transaction as the change it records). The id is derived
// doc: from the change, so a retried change does not add a second entry. Written as a unit subquery so
// doc: that the store can run it at the head of the change's first write statement (one round trip less).
// param: entry map -- id, at (ISO date-time), actor, action, target, before (JSON text), after (JSON text)
CALL () {
  MERGE (a:Audit {id: $entry.id})
  ON CREATE SET a.at = datetime($entry.at),
                a.actor = $entry.actor,
                a.action = $entry.action,
                a.target = $entry.target,
                a.before = $entry.before,
                a.after = $entry.after
}

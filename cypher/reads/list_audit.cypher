// name: list_audit
// kind: read
// doc: The audit trail, newest first, filtered by actor, action, target and time (null filters match all).
// param: actor string = null -- email of the user who made the change
// param: action string = null -- e.g. log, assess, handover, need, assign, release, engage, disengage, leave
// param: target string = null -- e.g. client:C0001 or staff:S001 (matches a prefix)
// param: since datetime = null -- entries at or after this moment
// param: max int = 100 -- how many entries at most
// column: id -- entry id
// column: at -- when the change was made (UTC)
// column: actor -- who made it
// column: action -- what kind of change
// column: target -- what it changed
// column: before -- the state before, as JSON text (null for new records)
// column: after -- the state after, as JSON text
MATCH (a:Audit)
WHERE ($actor IS NULL OR a.actor = $actor)
  AND ($action IS NULL OR a.action = $action)
  AND ($target IS NULL OR a.target STARTS WITH $target)
  AND ($since IS NULL OR a.at >= datetime($since))
RETURN a.id AS id, a.at AS at, a.actor AS actor, a.action AS action, a.target AS target,
       a.before AS before, a.after AS after
ORDER BY at DESC, id DESC
LIMIT $max

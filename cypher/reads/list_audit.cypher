// name: list_audit
// kind: read
// doc: The audit trail, newest first, filtered by words in the actor, action and target, and by time (null filters match all).
// param: actor string = null -- a part of the email of the user who made the change (boss finds boss@x.org)
// param: action string = null -- a part of the action, any case: assess finds assessment; log, handover, need, assign, release, engage, disengage, leave, import
// param: target string = null -- a part of what changed: client:C0001, staff:S001, or just C0001
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
WHERE ($actor IS NULL OR toLower(a.actor) CONTAINS toLower($actor))
  AND ($action IS NULL OR toLower(a.action) CONTAINS toLower($action))
  AND ($target IS NULL OR toLower(a.target) CONTAINS toLower($target))
  AND ($since IS NULL OR a.at >= datetime($since))
RETURN a.id AS id, a.at AS at, a.actor AS actor, a.action AS action, a.target AS target,
       a.before AS before, a.after AS after
ORDER BY at DESC, id DESC
LIMIT $max

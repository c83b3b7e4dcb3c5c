// name: stalled_stages
// kind: report
// doc: Clients sitting in their current stage longer than the policy allows for that stage.
// doc: The stage starts at the latest handover on or before as_of, else at the client's first interaction.
// param: as_of date = today -- the day the report answers for
// param: max_stage_days map = policy -- days allowed per stage, by tier key (tiers not named use max_stage_default)
// param: max_stage_default int = policy -- days allowed in a stage not named in max_stage_days (60)
// column: client -- client id
// column: grade -- grade on as_of
// column: stage -- stage on as_of: latest handover's, else declared, else the level-1 tier
// column: since -- day the client entered that stage (or first interaction)
// column: days -- days from since to as_of
WITH date($as_of) AS t
OPTIONAL MATCH (first:Tier {level: 1})
WITH t, first.key AS firstKey
ORDER BY firstKey
LIMIT 1
MATCH (c:Client)
CALL (c, t) {
  OPTIONAL MATCH (c)<-[:WITH]-(a:Interaction {kind: 'assessment'})
  WHERE date(a.at) <= t
  WITH a
  ORDER BY a.at DESC, a.id DESC
  LIMIT 1
  RETURN a.grade AS assessed
}
CALL (c, t) {
  OPTIONAL MATCH (c)<-[:WITH]-(h:Interaction {kind: 'handover'})
  WHERE date(h.at) <= t
  WITH h
  ORDER BY h.at DESC, h.id DESC
  LIMIT 1
  RETURN h.stage AS handedStage, date(h.at) AS handedOn
}
CALL (c, t) {
  OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
  WHERE date(i.at) <= t
  RETURN min(date(i.at)) AS firstDay
}
WITH t, c, coalesce(assessed, c.grade, 'ungraded') AS grade, coalesce(handedStage, c.stage, firstKey) AS stage,
     coalesce(handedOn, firstDay) AS since
WHERE since IS NOT NULL
WITH c, grade, stage, since, duration.inDays(since, t).days AS days
WHERE days > coalesce($max_stage_days[stage], $max_stage_default)
RETURN c.id AS client, grade, stage, since, days
ORDER BY days DESC, client

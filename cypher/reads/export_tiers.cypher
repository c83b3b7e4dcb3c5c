// name: export_tiers
// kind: read
// doc: Every tier, for export.
// column: key -- tier key
// column: level -- 1 = first stage
// column: name -- display name
// column: duty -- what the tier does
MATCH (t:Tier)
RETURN t.key AS key, t.level AS level, t.name AS name, t.duty AS duty
ORDER BY key

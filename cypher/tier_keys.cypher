// name: tier_keys
// kind: extract
// doc: The tiers in stage order.
// column: key -- tier key
// column: level -- tier level
MATCH (t:Tier)
RETURN t.key AS key, t.level AS level
ORDER BY level, key

// name: tier_keys
// kind: extract
// doc: The tiers in stage order.
// column: key -- tier key
// column: level -- tier level
// column: name -- tier name
MATCH (t:Tier)
RETURN t.key AS key, t.level AS level, t.name AS name
ORDER BY level, key

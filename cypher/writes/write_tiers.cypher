// name: write_tiers
// kind: write
// doc: Upsert tiers by key.
// param: rows list<map> -- one map per tier: key, level, name, duty
UNWIND $rows AS row
MERGE (t:Tier {key: row.key})
SET t.level = row.level,
    t.name = row.name,
    t.duty = row.duty

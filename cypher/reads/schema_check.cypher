// name: schema_check
// kind: read
// doc: Names of the uniqueness constraints present, so a store can refuse to run without them.
// column: name -- constraint name
SHOW CONSTRAINTS YIELD name, type
WHERE type = 'UNIQUENESS'
RETURN name
ORDER BY name

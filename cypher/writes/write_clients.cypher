// name: write_clients
// kind: write
// doc: Upsert clients by id.
// param: rows list<map> -- one map per client: id, name, industry, grade, value, stage
UNWIND $rows AS row
MERGE (c:Client {id: row.id})
  ON CREATE SET c.assessed = [], c.grades = [], c.handed = [], c.stages = []
SET c.name = row.name,
    c.industry = row.industry,
    c.grade = row.grade,
    c.value = row.value,
    c.stage = row.stage

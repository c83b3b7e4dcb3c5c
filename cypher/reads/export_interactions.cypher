// name: export_interactions
// kind: read
// doc: Every interaction with its client and participants, for export.
// column: id -- interaction id
// column: client -- client id (WITH)
// column: kind -- contact, communication, transaction, assessment or handover
// column: at -- when (datetime)
// column: staff -- sorted ids of the staff who PARTICIPATED
// column: amount -- amount, or null
// column: summary -- summary
// column: grade -- grade set by an assessment
// column: score -- score of an assessment
// column: stage -- stage a handover moves the client to
MATCH (i:Interaction)-[:WITH]->(c:Client)
RETURN i.id AS id, c.id AS client, i.kind AS kind, i.at AS at,
       COLLECT {
         MATCH (p:Staff)-[:PARTICIPATED]->(i)
         RETURN p.id ORDER BY p.id
       } AS staff,
       i.amount AS amount, i.summary AS summary, i.grade AS grade, i.score AS score, i.stage AS stage
ORDER BY id

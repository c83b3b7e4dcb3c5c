// name: client_view
// kind: read
// doc: One client with everything a change to it is checked against: its coverage (with the staff
// doc: members), its assessments and handovers, and its engagements.
// param: client string -- client id
// column: client -- the client's properties
// column: coverage -- [{staff, tier, role, since, until}]
// column: staff -- [{id, tier, joined, left}] of everyone who covers or covered it
// column: milestones -- [{id, kind, at, grade, stage, staff}] assessments and handovers
// column: engagements -- [{team, since, until}]
MATCH (c:Client {id: $client})
RETURN c {.*} AS client,
       COLLECT {
         MATCH (s:Staff)-[cov:COVERS]->(c)
         RETURN {staff: s.id, tier: cov.tier, role: cov.role, since: cov.since, until: cov.until}
       } AS coverage,
       COLLECT {
         MATCH (s:Staff)-[:COVERS]->(c)
         WITH DISTINCT s
         RETURN {id: s.id, tier: head([(s)-[:IN_TIER]->(t:Tier) | t.key]), joined: s.joined, left: s.left}
       } AS staff,
       COLLECT {
         MATCH (c)<-[:WITH]-(i:Interaction)
         WHERE i.kind IN ['assessment', 'handover']
         RETURN {id: i.id, kind: i.kind, at: i.at, grade: i.grade, stage: i.stage,
                 staff: [(p:Staff)-[:PARTICIPATED]->(i) | p.id]}
       } AS milestones,
       COLLECT {
         MATCH (t:Team)-[e:ENGAGES]->(c)
         RETURN {team: t.id, since: e.since, until: e.until}
       } AS engagements

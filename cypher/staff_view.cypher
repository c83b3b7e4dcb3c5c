// name: staff_view
// kind: read
// doc: One staff member with their tier, coverage and memberships (what a leave or an assignment is checked against).
// param: staff string -- staff id
// column: staff -- the staff member's properties
// column: tier -- key of their tier
// column: manager -- id of their manager
// column: coverage -- [{client, tier, role, since, until}]
// column: memberships -- [{team, since, until}]
MATCH (s:Staff {id: $staff})
RETURN s {.*} AS staff,
       head([(s)-[:IN_TIER]->(t:Tier) | t.key]) AS tier,
       head([(s)-[:REPORTS_TO]->(m:Staff) | m.id]) AS manager,
       COLLECT {
         MATCH (s)-[cov:COVERS]->(c:Client)
         RETURN {client: c.id, tier: cov.tier, role: cov.role, since: cov.since, until: cov.until}
       } AS coverage,
       COLLECT {
         MATCH (s)-[m:MEMBER_OF]->(t:Team)
         RETURN {team: t.id, since: m.since, until: m.until}
       } AS memberships

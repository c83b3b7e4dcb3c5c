// name: team_view
// kind: read
// doc: One team with its engagements (what engaging or releasing a client is checked against).
// param: team string -- team id
// column: team -- the team's properties
// column: engagements -- [{client, since, until}]
MATCH (t:Team {id: $team})
RETURN t {.*} AS team,
       COLLECT {
         MATCH (t)-[e:ENGAGES]->(c:Client)
         RETURN {client: c.id, since: e.since, until: e.until}
       } AS engagements

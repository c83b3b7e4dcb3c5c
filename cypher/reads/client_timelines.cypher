// name: client_timelines
// kind: read
// doc: The timelines the write path keeps on each given client (see writes/refresh_timelines.cypher):
// doc: its assessments' and handovers' moments with their grades and stages, and its first and last
// doc: interaction's moment. For checking them, and for analysts who want a client's grade history.
// param: clients list<string> -- client ids
// column: client -- client id
// column: assessed -- moments of its assessments, by at then id
// column: grades -- their grades ('' for none)
// column: handed -- moments of its handovers, by at then id
// column: stages -- their stages ('' for none)
// column: first -- moment of its earliest interaction, or null
// column: last -- moment of its latest interaction, or null
UNWIND $clients AS id
MATCH (c:Client {id: id})
RETURN c.id AS client, c.assessed AS assessed, c.grades AS grades, c.handed AS handed, c.stages AS stages,
       c.first AS first, c.last AS last
ORDER BY client

// name: client_values
// kind: read
// doc: The value of each client asked for (the graph explorer ranks clients by risk times value); unknown ids are left out.
// param: clients list<string> -- client ids
// column: client -- client id
// column: value -- its value, or null
UNWIND $clients AS id
MATCH (c:Client {id: id})
RETURN c.id AS client, c.value AS value
ORDER BY client

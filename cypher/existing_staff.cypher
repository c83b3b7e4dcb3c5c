// name: existing_staff
// kind: read
// doc: Which of the given staff ids exist (participants of a new interaction are checked with it).
// param: ids list<string> -- staff ids
// column: id -- an id that exists
UNWIND $ids AS id
MATCH (s:Staff {id: id})
RETURN s.id AS id

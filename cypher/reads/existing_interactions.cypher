// name: existing_interactions
// kind: read
// doc: Which of the given interaction ids are already stored (the writer upserts those and creates the rest).
// param: ids list<string> -- interaction ids
// column: id -- an id that exists
UNWIND $ids AS id
MATCH (i:Interaction {id: id})
RETURN i.id AS id

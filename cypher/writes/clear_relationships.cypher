// name: clear_relationships
// kind: write
// doc: Delete every relationship in batches (tests and benchmarks; never run by the product).
// doc: Runs before clear_nodes so no batch holds a node with thousands of relationships; auto-commit only.
MATCH ()-[r]->()
CALL (r) {
  DELETE r
} IN TRANSACTIONS OF 10000 ROWS

// name: clear_nodes
// kind: write
// doc: Delete every node in batches, after clear_relationships (tests and benchmarks; never run by the product).
MATCH (n)
CALL (n) {
  DELETE n
} IN TRANSACTIONS OF 10000 ROWS

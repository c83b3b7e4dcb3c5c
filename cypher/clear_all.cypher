// name: clear_all
// kind: write
// doc: Delete every node and relationship in batches (tests and benchmarks; never run by the product).
// doc: Uses CALL ... IN TRANSACTIONS, so it must run as an auto-commit query.
MATCH (n)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS

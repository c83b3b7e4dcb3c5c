// name: guard_terminate
// kind: command
// doc: Terminate the analyst guard's own transaction by its id, when it outlived its time limit
// doc: (only ever an id the guard found with guard_transactions, never another session's).
// param: id string -- the transaction id from guard_transactions
// column: id -- the transaction asked to terminate
// column: message -- what the server did
TERMINATE TRANSACTIONS $id
YIELD transactionId, message
RETURN transactionId AS id, message

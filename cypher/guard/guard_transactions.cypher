// name: guard_transactions
// kind: command
// doc: The analyst guard's transactions carrying one run's token in their metadata: run inside the
// doc: analyst's transaction it finds that transaction's id; run from another session it tells
// doc: whether the server is still running it (empty once it has stopped).
// param: token string -- the token the guard put in the transaction's metadata (metaData.guard)
// column: id -- the server's id of the transaction
// column: status -- Running, Terminated with reason ..., Blocked ...
SHOW TRANSACTIONS
YIELD transactionId, status, metaData
WHERE metaData.guard = $token
RETURN transactionId AS id, status

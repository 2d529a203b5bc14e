// name: await_indexes
// Waits until every index is online (a fresh full-text or vector index populates in the background).
// params: $seconds INTEGER
CALL db.awaitIndexes($seconds)

// Block until every index is online (after `db init`).
CALL db.awaitIndexes(300)

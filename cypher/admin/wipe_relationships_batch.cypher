// Delete up to $limit relationships; repeat until it returns 0 (before wipe_batch, so that deleting a
// batch of nodes never has to delete a huge number of relationships in the same transaction).
MATCH ()-[r]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted

// Upsert Fund nodes keyed by id; every dataset property is SET (null removes it) so a re-run converges.
UNWIND $rows AS row
MERGE (n:Fund {id: row.id})
SET n.name = row.name, n.fundType = row.fundType
RETURN count(n) AS written

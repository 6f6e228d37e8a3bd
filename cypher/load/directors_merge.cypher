// Upsert Director nodes keyed by id; every dataset property is SET (null removes it) so a re-run converges.
UNWIND $rows AS row
MERGE (n:Director {id: row.id})
SET n.name = row.name
RETURN count(n) AS written

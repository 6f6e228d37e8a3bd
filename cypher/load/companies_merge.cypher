// Upsert Company nodes keyed by id; every dataset property is SET (null removes it) so a re-run converges.
// Properties written by later steps (embeddings, factors) are left alone.
UNWIND $rows AS row
MERGE (n:Company {id: row.id})
SET n.name = row.name, n.kind = row.kind, n.segment = row.segment, n.country = row.country,
    n.listedFrom = row.listedFrom, n.listedTo = row.listedTo
RETURN count(n) AS written

// Upsert SITS_ON intervals keyed by (source, target, validFrom); all properties SET so a re-run converges.
UNWIND $rows AS row
MATCH (s:Director {id: row.fromId})
MATCH (t:Company {id: row.toId})
MERGE (s)-[r:SITS_ON {validFrom: row.validFrom}]->(t)
SET r.validTo = row.validTo, r.knownFrom = row.knownFrom, r.endKnownFrom = row.endKnownFrom,
    r.role = row.role
RETURN count(r) AS written

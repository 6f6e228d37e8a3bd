// Upsert SUPPLIES intervals keyed by (source, target, validFrom); all properties SET so a re-run converges.
UNWIND $rows AS row
MATCH (s:Company {id: row.fromId})
MATCH (t:Company {id: row.toId})
MERGE (s)-[r:SUPPLIES {validFrom: row.validFrom}]->(t)
SET r.validTo = row.validTo, r.knownFrom = row.knownFrom, r.endKnownFrom = row.endKnownFrom,
    r.weight = row.weight, r.source = row.source
RETURN count(r) AS written

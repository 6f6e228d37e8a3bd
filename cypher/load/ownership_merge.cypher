// Upsert OWNS intervals keyed by (source, target, validFrom); all properties SET so a re-run converges.
UNWIND $rows AS row
MATCH (s:Fund {id: row.fromId})
MATCH (t:Company {id: row.toId})
MERGE (s)-[r:OWNS {validFrom: row.validFrom}]->(t)
SET r.validTo = row.validTo, r.knownFrom = row.knownFrom, r.endKnownFrom = row.endKnownFrom,
    r.shares = row.shares, r.valueUsd = row.valueUsd, r.pctOutstanding = row.pctOutstanding
RETURN count(r) AS written

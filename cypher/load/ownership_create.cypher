// Fast path of ownership_merge when no OWNS relationship exists yet: same properties, CREATE instead of MERGE.
UNWIND $rows AS row
MATCH (s:Fund {id: row.fromId})
MATCH (t:Company {id: row.toId})
CREATE (s)-[r:OWNS {validFrom: row.validFrom}]->(t)
SET r.validTo = row.validTo, r.knownFrom = row.knownFrom, r.endKnownFrom = row.endKnownFrom,
    r.shares = row.shares, r.valueUsd = row.valueUsd, r.pctOutstanding = row.pctOutstanding
RETURN count(r) AS written

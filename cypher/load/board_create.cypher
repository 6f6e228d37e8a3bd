// Fast path of board_merge when no SITS_ON relationship exists yet: same properties, CREATE instead of MERGE.
UNWIND $rows AS row
MATCH (s:Director {id: row.fromId})
MATCH (t:Company {id: row.toId})
CREATE (s)-[r:SITS_ON {validFrom: row.validFrom}]->(t)
SET r.validTo = row.validTo, r.knownFrom = row.knownFrom, r.endKnownFrom = row.endKnownFrom,
    r.role = row.role
RETURN count(r) AS written

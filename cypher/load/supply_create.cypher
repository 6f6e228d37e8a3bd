// Fast path of supply_merge when no SUPPLIES relationship exists yet: same properties, CREATE instead of MERGE.
UNWIND $rows AS row
MATCH (s:Company {id: row.fromId})
MATCH (t:Company {id: row.toId})
CREATE (s)-[r:SUPPLIES {validFrom: row.validFrom}]->(t)
SET r.validTo = row.validTo, r.knownFrom = row.knownFrom, r.endKnownFrom = row.endKnownFrom,
    r.weight = row.weight, r.source = row.source
RETURN count(r) AS written

// Bulk read: every OWNS interval known by $known_until (null = all), for in-memory slicing by date.
MATCH (s:Fund)-[r:OWNS]->(t:Company)
WHERE $known_until IS NULL OR r.knownFrom <= $known_until
RETURN s.id AS source_id, t.id AS target_id, r.validFrom AS valid_from, r.validTo AS valid_to,
       r.knownFrom AS known_from, r.endKnownFrom AS end_known_from, r.valueUsd AS value_usd, r.shares AS shares, r.pctOutstanding AS pct_outstanding
ORDER BY source_id, target_id, valid_from

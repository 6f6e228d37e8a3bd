// Bulk read: every OWNS interval known by $known_until (null = all), for in-memory slicing by date;
// packed rows (store/packed.py): [source_id, target_id, valid_from, valid_to, known_from, end_known_from, value_usd, shares, pct_outstanding], $chunk per record.
MATCH (s:Fund)-[r:OWNS]->(t:Company)
WHERE $known_until IS NULL OR r.knownFrom <= $known_until
WITH s, t, r ORDER BY s.id, t.id, r.validFrom
WITH collect([s.id, t.id, toString(r.validFrom), toString(r.validTo), toString(r.knownFrom), toString(r.endKnownFrom), r.valueUsd, r.shares, r.pctOutstanding]) AS rows
UNWIND range(0, size(rows) - 1, $chunk) AS start
RETURN rows[start..start + $chunk] AS rows

// Bulk read: every SUPPLIES interval known by $known_until (null = all), for in-memory slicing by date;
// packed rows (store/packed.py): [source_id, target_id, valid_from, valid_to, known_from, end_known_from, weight], $chunk per record.
MATCH (s:Company)-[r:SUPPLIES]->(t:Company)
WHERE $known_until IS NULL OR r.knownFrom <= $known_until
WITH s, t, r ORDER BY s.id, t.id, r.validFrom
WITH collect([s.id, t.id, toString(r.validFrom), toString(r.validTo), toString(r.knownFrom), toString(r.endKnownFrom), r.weight]) AS rows
UNWIND range(0, size(rows) - 1, $chunk) AS start
RETURN rows[start..start + $chunk] AS rows

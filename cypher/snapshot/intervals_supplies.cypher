// Bulk read: every SUPPLIES interval known by $known_until (null = all), for in-memory slicing by date.
MATCH (s:Company)-[r:SUPPLIES]->(t:Company)
WHERE $known_until IS NULL OR r.knownFrom <= $known_until
RETURN s.id AS source_id, t.id AS target_id, r.validFrom AS valid_from, r.validTo AS valid_to,
       r.knownFrom AS known_from, r.endKnownFrom AS end_known_from, r.weight AS weight
ORDER BY source_id, target_id, valid_from

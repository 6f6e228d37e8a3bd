// SITS_ON intervals visible at $as_of under the point-in-time rule (spec/dataset.md):
// known and started, and not (ended and the end known). Endpoints must be listed at $as_of.
MATCH (s:Director)-[r:SITS_ON]->(t:Company)
WHERE r.knownFrom <= $as_of AND r.validFrom <= $as_of
  AND NOT (r.validTo IS NOT NULL AND r.validTo <= $as_of AND coalesce(r.endKnownFrom, r.validTo) <= $as_of)
  AND (t.listedFrom IS NULL OR t.listedFrom <= $as_of) AND (t.listedTo IS NULL OR t.listedTo > $as_of)
  AND (NOT s:Company OR ((s.listedFrom IS NULL OR s.listedFrom <= $as_of) AND (s.listedTo IS NULL OR s.listedTo > $as_of)))
RETURN s.id AS source_id, t.id AS target_id, r.validFrom AS valid_from, r.validTo AS valid_to,
       r.knownFrom AS known_from, r.endKnownFrom AS end_known_from, r.role AS role
ORDER BY source_id, target_id, valid_from

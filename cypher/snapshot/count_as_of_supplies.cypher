// Number of SUPPLIES relationships visible at $as_of (the same rule as snapshot/as_of_supplies), for cross-checks.
MATCH (s:Company)-[r:SUPPLIES]->(t:Company)
WHERE r.knownFrom <= $as_of AND r.validFrom <= $as_of
  AND NOT (r.validTo IS NOT NULL AND r.validTo <= $as_of AND coalesce(r.endKnownFrom, r.validTo) <= $as_of)
  AND (t.listedFrom IS NULL OR t.listedFrom <= $as_of) AND (t.listedTo IS NULL OR t.listedTo > $as_of)
  AND (NOT s:Company OR ((s.listedFrom IS NULL OR s.listedFrom <= $as_of) AND (s.listedTo IS NULL OR s.listedTo > $as_of)))
RETURN count(r) AS n

// The point-in-time snapshot at a date in numbers: companies listed, and relationships of each
// type visible under the rule of the snapshots -- known and started by $asOf, and not (ended and
// the end known by $asOf), both ends listed. The same counts as `nexus-graph snapshot --asof`.
// :param asOf => date('2023-12-31')
MATCH (s)-[r:SUPPLIES|OWNS|SITS_ON]->(t:Company)
WHERE r.knownFrom <= $asOf AND r.validFrom <= $asOf
  AND NOT (r.validTo IS NOT NULL AND r.validTo <= $asOf AND coalesce(r.endKnownFrom, r.validTo) <= $asOf)
  AND (t.listedFrom IS NULL OR t.listedFrom <= $asOf) AND (t.listedTo IS NULL OR t.listedTo > $asOf)
  AND (NOT s:Company OR ((s.listedFrom IS NULL OR s.listedFrom <= $asOf) AND (s.listedTo IS NULL OR s.listedTo > $asOf)))
RETURN type(r) AS rel_type, count(r) AS relationships, count(DISTINCT s) AS sources, count(DISTINCT t) AS targets
ORDER BY rel_type

// The point-in-time snapshot at a date in numbers: companies listed, and relationships of each
// type visible under the rule of the snapshots -- known and started by $asOf, and not (ended and
// the end known by $asOf), both ends listed. The same counts as `nexus-graph snapshot --asof`.
// :param asOf => '2023-12-31'
MATCH (s)-[r:SUPPLIES|OWNS|SITS_ON]->(t:Company)
WHERE r.knownFrom <= date($asOf) AND r.validFrom <= date($asOf)
  AND NOT (r.validTo IS NOT NULL AND r.validTo <= date($asOf) AND coalesce(r.endKnownFrom, r.validTo) <= date($asOf))
  AND (t.listedFrom IS NULL OR t.listedFrom <= date($asOf)) AND (t.listedTo IS NULL OR t.listedTo > date($asOf))
  AND (NOT s:Company OR ((s.listedFrom IS NULL OR s.listedFrom <= date($asOf)) AND (s.listedTo IS NULL OR s.listedTo > date($asOf))))
RETURN type(r) AS rel_type, count(r) AS relationships, count(DISTINCT s) AS sources, count(DISTINCT t) AS targets
ORDER BY rel_type

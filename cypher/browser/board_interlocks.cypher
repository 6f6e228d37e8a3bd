// The board of a company as of a date and its interlocks: each director on the board, their role,
// and the other boards they sit on at the same date. Point-in-time rule of the snapshots on every
// SITS_ON link (known and started by $asOf, not ended-and-known); the companies listed at $asOf.
// :param company => 'AMD'
// :param asOf => '2023-12-31'
MATCH (d:Director)-[a:SITS_ON]->(c:Company {id: $company})
WHERE a.knownFrom <= date($asOf) AND a.validFrom <= date($asOf)
  AND NOT (a.validTo IS NOT NULL AND a.validTo <= date($asOf) AND coalesce(a.endKnownFrom, a.validTo) <= date($asOf))
  AND (c.listedFrom IS NULL OR c.listedFrom <= date($asOf)) AND (c.listedTo IS NULL OR c.listedTo > date($asOf))
OPTIONAL MATCH (d)-[b:SITS_ON]->(o:Company)
WHERE o <> c
  AND b.knownFrom <= date($asOf) AND b.validFrom <= date($asOf)
  AND NOT (b.validTo IS NOT NULL AND b.validTo <= date($asOf) AND coalesce(b.endKnownFrom, b.validTo) <= date($asOf))
  AND (o.listedFrom IS NULL OR o.listedFrom <= date($asOf)) AND (o.listedTo IS NULL OR o.listedTo > date($asOf))
WITH d, a, o ORDER BY o.id
RETURN d.id AS director_id, d.name AS director, a.role AS role, a.validFrom AS since,
       collect(o.id) AS other_boards, count(o) AS interlocks
ORDER BY director_id, since

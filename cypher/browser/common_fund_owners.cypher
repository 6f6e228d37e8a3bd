// Funds that own both of two companies as of a date, with their stakes (latest filing known at
// $asOf). Point-in-time rule of the snapshots on both OWNS links; both companies listed at $asOf.
// :param company => 'NVDA'
// :param other => 'AMD'
// :param asOf => '2023-12-31'
MATCH (f:Fund)-[a:OWNS]->(c:Company {id: $company}), (f)-[b:OWNS]->(o:Company {id: $other})
WHERE a.knownFrom <= date($asOf) AND a.validFrom <= date($asOf)
  AND NOT (a.validTo IS NOT NULL AND a.validTo <= date($asOf) AND coalesce(a.endKnownFrom, a.validTo) <= date($asOf))
  AND b.knownFrom <= date($asOf) AND b.validFrom <= date($asOf)
  AND NOT (b.validTo IS NOT NULL AND b.validTo <= date($asOf) AND coalesce(b.endKnownFrom, b.validTo) <= date($asOf))
  AND all(x IN [c, o] WHERE (x.listedFrom IS NULL OR x.listedFrom <= date($asOf)) AND (x.listedTo IS NULL OR x.listedTo > date($asOf)))
RETURN f.id AS fund_id, f.name AS name, f.fundType AS fund_type,
       a.pctOutstanding AS pct_of_company, b.pctOutstanding AS pct_of_other,
       a.valueUsd AS value_usd_company, b.valueUsd AS value_usd_other
ORDER BY fund_id, pct_of_company, pct_of_other

// What changed in a company's relationships between two dates -- the churn the embedding drift
// measures: every supplier, customer, fund owner and director visible at $toDate but not at
// $fromDate ('added'), or the reverse ('removed'). Visibility is the point-in-time rule of the
// snapshots at each date; the set difference is APOC's apoc.coll.subtract.
// :param company => 'NVDA'
// :param fromDate => '2023-06-30'
// :param toDate => '2023-12-31'
MATCH (c:Company {id: $company})
CALL {
  WITH c
  MATCH (c)-[r:SUPPLIES|OWNS|SITS_ON]-(n)
  UNWIND [date($fromDate), date($toDate)] AS t
  WITH c, r, n, t
  WHERE r.knownFrom <= t AND r.validFrom <= t
    AND NOT (r.validTo IS NOT NULL AND r.validTo <= t AND coalesce(r.endKnownFrom, r.validTo) <= t)
    AND all(x IN [c, n] WHERE NOT x:Company
            OR ((x.listedFrom IS NULL OR x.listedFrom <= t) AND (x.listedTo IS NULL OR x.listedTo > t)))
  WITH t, type(r) + '|' + CASE WHEN startNode(r) = c THEN 'out' ELSE 'in' END + '|' + n.id AS key
  RETURN collect(DISTINCT CASE WHEN t = date($fromDate) THEN key END) AS before,
         collect(DISTINCT CASE WHEN t = date($toDate) THEN key END) AS after
}
UNWIND [['added', apoc.coll.subtract(after, before)], ['removed', apoc.coll.subtract(before, after)]] AS change
UNWIND change[1] AS key
WITH change[0] AS change, split(key, '|') AS part
RETURN change, part[0] AS rel_type, part[1] AS direction, part[2] AS counterparty_id
ORDER BY change, rel_type, direction, counterparty_id

// Customers that share a supplier with a company as of a date: for each other customer of the
// company's suppliers, which suppliers they share. Point-in-time rule of the snapshots on every
// SUPPLIES link (known and started by $asOf, not ended-and-known), all companies listed at $asOf.
// :param company => 'NVDA'
// :param asOf => '2023-12-31'
MATCH (s:Company)-[r1:SUPPLIES]->(c:Company {id: $company}), (s)-[r2:SUPPLIES]->(peer:Company)
WHERE peer <> c
  AND r1.knownFrom <= date($asOf) AND r1.validFrom <= date($asOf)
  AND NOT (r1.validTo IS NOT NULL AND r1.validTo <= date($asOf) AND coalesce(r1.endKnownFrom, r1.validTo) <= date($asOf))
  AND r2.knownFrom <= date($asOf) AND r2.validFrom <= date($asOf)
  AND NOT (r2.validTo IS NOT NULL AND r2.validTo <= date($asOf) AND coalesce(r2.endKnownFrom, r2.validTo) <= date($asOf))
  AND all(x IN [s, c, peer] WHERE (x.listedFrom IS NULL OR x.listedFrom <= date($asOf))
                              AND (x.listedTo IS NULL OR x.listedTo > date($asOf)))
WITH peer, s ORDER BY s.id
WITH peer, collect(DISTINCT s.id) AS shared_suppliers
RETURN peer.id AS customer_id, peer.name AS name, size(shared_suppliers) AS shared, shared_suppliers
ORDER BY shared DESC, customer_id

// Supply chain of a company as of a date: every company up to $hops supply links upstream (its
// suppliers, their suppliers, ...) and downstream (customers, their customers, ...), each at its
// shortest distance. Every link on the path obeys the point-in-time rule of the snapshots
// (cypher/snapshot/as_of_supplies.cypher): known and started by $asOf, and not (ended and the end
// known), both ends listed at $asOf.
// :param company => 'NVDA'
// :param asOf => '2023-12-31'
// :param hops => 2
MATCH (c:Company {id: $company})
WHERE (c.listedFrom IS NULL OR c.listedFrom <= date($asOf)) AND (c.listedTo IS NULL OR c.listedTo > date($asOf))
CALL {
  WITH c
  MATCH p = ANY SHORTEST (other:Company)((a:Company)-[r:SUPPLIES]->(b:Company)
        WHERE r.knownFrom <= date($asOf) AND r.validFrom <= date($asOf)
          AND NOT (r.validTo IS NOT NULL AND r.validTo <= date($asOf) AND coalesce(r.endKnownFrom, r.validTo) <= date($asOf))
          AND (a.listedFrom IS NULL OR a.listedFrom <= date($asOf)) AND (a.listedTo IS NULL OR a.listedTo > date($asOf))
          AND (b.listedFrom IS NULL OR b.listedFrom <= date($asOf)) AND (b.listedTo IS NULL OR b.listedTo > date($asOf))
        ){1,6}(c)
  WHERE other <> c AND length(p) <= toInteger($hops)
  RETURN 'upstream' AS direction, other, length(p) AS hops, [n IN nodes(p) | n.id] AS path
  UNION ALL
  WITH c
  MATCH p = ANY SHORTEST (c)((a:Company)-[r:SUPPLIES]->(b:Company)
        WHERE r.knownFrom <= date($asOf) AND r.validFrom <= date($asOf)
          AND NOT (r.validTo IS NOT NULL AND r.validTo <= date($asOf) AND coalesce(r.endKnownFrom, r.validTo) <= date($asOf))
          AND (a.listedFrom IS NULL OR a.listedFrom <= date($asOf)) AND (a.listedTo IS NULL OR a.listedTo > date($asOf))
          AND (b.listedFrom IS NULL OR b.listedFrom <= date($asOf)) AND (b.listedTo IS NULL OR b.listedTo > date($asOf))
        ){1,6}(other:Company)
  WHERE other <> c AND length(p) <= toInteger($hops)
  RETURN 'downstream' AS direction, other, length(p) AS hops, [n IN nodes(p) | n.id] AS path
}
RETURN direction, other.id AS company_id, other.name AS name, other.segment AS segment, hops, path
ORDER BY direction DESC, hops, company_id

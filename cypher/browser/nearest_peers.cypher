// The nearest peers of a company by its latest HGT embedding (vector index, cosine), with the
// neighbours they share with it: suppliers, customers, fund owners and directors both are linked
// to at $asOf (null = the embedding's own date), under the point-in-time rule of the snapshots.
// The intersection is APOC's apoc.coll.intersection.
// :param company => 'NVDA'
// :param k => 10
// :param asOf => null
MATCH (c:Company {id: $company})
WHERE c.embedding IS NOT NULL
WITH c, coalesce(date($asOf), c.embeddingDate) AS t
CALL db.index.vector.queryNodes('company_embedding', toInteger($k) + 1, c.embedding) YIELD node, score
WITH c, t, node, score WHERE node <> c
CALL {
  WITH c, node, t
  UNWIND [c, node] AS x
  OPTIONAL MATCH (x)-[r:SUPPLIES|OWNS|SITS_ON]-(n)
  WHERE r.knownFrom <= t AND r.validFrom <= t
    AND NOT (r.validTo IS NOT NULL AND r.validTo <= t AND coalesce(r.endKnownFrom, r.validTo) <= t)
    AND all(y IN [x, n] WHERE NOT y:Company
            OR ((y.listedFrom IS NULL OR y.listedFrom <= t) AND (y.listedTo IS NULL OR y.listedTo > t)))
  WITH x, collect(DISTINCT n.id) AS ids
  RETURN collect(ids) AS both
}
RETURN node.id AS peer, node.name AS name, node.segment AS segment, round(score, 4) AS cosine,
       node.embeddingDrift AS drift, t AS as_of, apoc.coll.sort(apoc.coll.intersection(both[0], both[1])) AS shared_neighbours
ORDER BY cosine DESC, peer

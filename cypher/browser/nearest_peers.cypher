// Neo4j Browser: the nearest peers of a company by its latest HGT embedding (vector index).
// :param company_id => 'NVDA'
// :param k => 10
MATCH (c:Company {id: $company_id})
CALL db.index.vector.queryNodes('company_embedding', $k + 1, c.embedding) YIELD node, score
WITH c, node, score WHERE node <> c
OPTIONAL MATCH path = (c)-[:SUPPLIES|SITS_ON|OWNS]-(node)
RETURN node.id AS peer, node.name AS name, node.segment AS segment, round(score, 4) AS cosine,
       node.embeddingDrift AS drift, count(path) > 0 AS directly_linked
ORDER BY cosine DESC

// The $k nearest companies to $company_id by the latest embedding (vector index, cosine).
MATCH (c:Company {id: $company_id})
WHERE c.embedding IS NOT NULL
CALL db.index.vector.queryNodes('company_embedding', $k + 1, c.embedding) YIELD node, score
WITH c, node, score WHERE node <> c
RETURN node.id AS company_id, node.name AS name, node.segment AS segment, score
ORDER BY score DESC
LIMIT $k

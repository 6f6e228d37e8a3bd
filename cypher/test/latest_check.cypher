// Test helper: every company carrying the latest-embedding properties, against its stored embedding at that
// model and date (same vector, same drift?).
MATCH (c:Company) WHERE c.embeddingDate IS NOT NULL
OPTIONAL MATCH (c)-[:HAS_EMBEDDING]->(e:Embedding {modelVersion: c.modelVersion, date: c.embeddingDate})
RETURN c.id AS company_id, c.modelVersion AS model_version, c.embeddingDate AS date,
       e IS NOT NULL AS stored, c.embedding = e.vector AS same_vector,
       coalesce(c.embeddingDrift = e.drift, c.embeddingDrift IS NULL AND e.drift IS NULL) AS same_drift

// Read API: the companies' latest embeddings (the properties behind the company_embedding vector index).
MATCH (c:Company) WHERE c.embeddingDate IS NOT NULL
RETURN c.embeddingDate AS date, c.id AS company_id, c.modelVersion AS model_version, c.embeddingDrift AS drift,
       c.embedding AS vector
ORDER BY company_id

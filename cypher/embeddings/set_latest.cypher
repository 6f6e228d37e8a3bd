// Copy the latest embedding, drift and date onto each company (behind the company_embedding vector index).
UNWIND $rows AS row
MATCH (c:Company {id: row.company_id})
SET c.embedding = row.vector, c.embeddingDrift = row.drift, c.embeddingDate = $date, c.modelVersion = $model_version

// Test helper: undo a backfill -- remove embeddings, factor values and the latest embedding copied onto companies.
MATCH (c:Company)
REMOVE c.embedding, c.embeddingDrift, c.embeddingDate, c.modelVersion
WITH count(*) AS companies
MATCH (n)
WHERE n:Embedding OR n:FactorValue
DETACH DELETE n

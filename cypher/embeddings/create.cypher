// Create one snapshot's embeddings for one model version that held none for that date when the write
// began (the fast twin of embeddings/upsert, same properties): a row another writer stored meanwhile fails
// the embedding_key constraint, and the writer runs the month again with embeddings/upsert.
UNWIND $rows AS row
MATCH (c:Company {id: row.company_id})
CREATE (c)-[:HAS_EMBEDDING]->(e:Embedding {companyId: row.company_id, date: $date, modelVersion: $model_version})
SET e.vector = row.vector, e.drift = row.drift, e.dim = size(row.vector), e.lookAhead = $look_ahead

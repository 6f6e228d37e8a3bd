// Upsert one snapshot's embeddings for one model version (called inside one transaction per date).
UNWIND $rows AS row
MATCH (c:Company {id: row.company_id})
MERGE (e:Embedding {companyId: row.company_id, date: $date, modelVersion: $model_version})
SET e.vector = row.vector, e.drift = row.drift, e.dim = size(row.vector), e.lookAhead = $look_ahead
MERGE (c)-[:HAS_EMBEDDING]->(e)

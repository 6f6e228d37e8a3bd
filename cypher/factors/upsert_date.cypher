// Upsert one snapshot date of one factor and model version (called in one transaction per date).
// lookAhead: the values came from embeddings a look-ahead backfill wrote (model trained after this date).
UNWIND $rows AS row
MATCH (c:Company {id: row.company_id})
MERGE (f:FactorValue {factor: $factor, modelVersion: $model_version, date: $date, companyId: row.company_id})
SET f.value = row.value, f.lookAhead = $look_ahead
MERGE (c)-[:HAS_FACTOR]->(f)
RETURN count(f) AS written

// Upsert one snapshot date of one factor and model version (called in one transaction per date).
// lookAhead: per row when the row says (an imported value known after its date's entry close), else
// $look_ahead (the values came from embeddings a look-ahead backfill wrote: model trained after this date).
// origin and knownFrom: set on imported factors (fundamental | price | external); null, so absent, on graph factors.
UNWIND $rows AS row
MATCH (c:Company {id: row.company_id})
MERGE (f:FactorValue {factor: $factor, modelVersion: $model_version, date: $date, companyId: row.company_id})
SET f.value = row.value, f.lookAhead = coalesce(row.look_ahead, $look_ahead), f.origin = $origin,
    f.knownFrom = row.known_from
MERGE (c)-[:HAS_FACTOR]->(f)
RETURN count(f) AS written

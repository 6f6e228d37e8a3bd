// Create one snapshot date of one factor and model version that held no values when the write began
// (the fast twin of factors/upsert_date, same properties): a value another writer stored meanwhile fails
// the factor_value_key constraint, and the writer runs the date again with factors/upsert_date.
UNWIND $rows AS row
MATCH (c:Company {id: row.company_id})
CREATE (c)-[:HAS_FACTOR]->(f:FactorValue {factor: $factor, modelVersion: $model_version, date: $date,
                                         companyId: row.company_id})
SET f.value = row.value, f.lookAhead = coalesce(row.look_ahead, $look_ahead), f.origin = $origin,
    f.knownFrom = row.known_from
RETURN count(f) AS written

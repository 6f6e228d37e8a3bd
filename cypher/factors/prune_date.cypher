// Remove values of this (factor, model version, date) for companies absent from the panel just written.
MATCH (f:FactorValue {factor: $factor, modelVersion: $model_version})
WHERE f.date = $date AND NOT f.companyId IN $company_ids
DETACH DELETE f
RETURN count(*) AS deleted

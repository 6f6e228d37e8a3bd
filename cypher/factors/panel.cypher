// One factor panel (factor, model version) as rows, in (date, company) order.
MATCH (f:FactorValue {factor: $factor, modelVersion: $model_version})
RETURN f.date AS date, f.companyId AS company_id, f.value AS value
ORDER BY date, company_id

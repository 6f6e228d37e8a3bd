// Rows stored per snapshot date for one factor and model version (reconciliation after a write).
MATCH (f:FactorValue {factor: $factor, modelVersion: $model_version})
RETURN f.date AS date, count(*) AS rows
ORDER BY date

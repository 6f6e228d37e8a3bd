// Snapshot dates of one factor and model version whose values are labelled look-ahead.
MATCH (f:FactorValue {factor: $factor, modelVersion: $model_version})
WHERE f.lookAhead = true
RETURN DISTINCT f.date AS date
ORDER BY date

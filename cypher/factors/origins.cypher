// How one factor name is stored: per model version, its origin (null = a graph factor) and row count.
MATCH (f:FactorValue {factor: $factor})
RETURN f.modelVersion AS model_version, f.origin AS origin, count(*) AS rows
ORDER BY model_version, origin

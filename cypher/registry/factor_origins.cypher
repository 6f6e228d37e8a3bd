// The origins of one stored factor's values (rows without `origin` are graph factors).
MATCH (f:FactorValue {factor: $factor, modelVersion: $model_version})
RETURN DISTINCT coalesce(f.origin, 'graph') AS origin
ORDER BY origin

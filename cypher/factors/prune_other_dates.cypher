// Remove the values of one factor and model version on dates other than $dates (a re-import replaces the panel).
MATCH (f:FactorValue {factor: $factor, modelVersion: $model_version})
WHERE NOT f.date IN $dates
DETACH DELETE f
RETURN count(*) AS deleted

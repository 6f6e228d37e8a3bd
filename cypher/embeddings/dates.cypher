// Snapshot dates already embedded for a model version, with their row counts (for resuming).
MATCH (e:Embedding)
WHERE e.modelVersion = $model_version
RETURN e.date AS date, count(*) AS rows
ORDER BY date

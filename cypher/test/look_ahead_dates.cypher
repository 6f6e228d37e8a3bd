// Test helper: the dates of a model version's embeddings that a look-ahead backfill labelled (e.g. a month-end
// whose entry close precedes the model's as-of date).
MATCH (e:Embedding {modelVersion: $model_version})
WHERE e.lookAhead
RETURN DISTINCT e.date AS date
ORDER BY date

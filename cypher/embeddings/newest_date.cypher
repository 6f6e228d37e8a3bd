// The newest snapshot date of a model version's embeddings that count for the latest properties (not
// look-ahead); null when it has none. A month older than this one cannot move those properties.
MATCH (e:Embedding)
WHERE e.modelVersion = $model_version AND NOT coalesce(e.lookAhead, false)
RETURN max(e.date) AS date

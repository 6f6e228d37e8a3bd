// Test helper: label one date's embeddings of a model version as written by a look-ahead backfill ($look_ahead
// true) or not (false).
MATCH (e:Embedding {modelVersion: $model_version, date: $date})
SET e.lookAhead = $look_ahead
RETURN count(e) AS marked

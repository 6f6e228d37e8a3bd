// Test helper: label one date's embeddings of a model version as written by a look-ahead backfill.
MATCH (e:Embedding {modelVersion: $model_version, date: $date})
SET e.lookAhead = true
RETURN count(e) AS marked

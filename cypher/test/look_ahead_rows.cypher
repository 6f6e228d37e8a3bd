// Test helper: embedding rows labelled lookAhead for a model version.
MATCH (e:Embedding {modelVersion: $model_version})
WHERE e.lookAhead
RETURN count(e) AS n

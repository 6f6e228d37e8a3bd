// Test helper: remove one model version's embeddings.
MATCH (e:Embedding {modelVersion: $model_version})
DETACH DELETE e

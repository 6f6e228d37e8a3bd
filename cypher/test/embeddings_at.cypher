// Test helper: how many (non-look-ahead) embeddings a model version has at one date, and its latest date.
OPTIONAL MATCH (e:Embedding {modelVersion: $model_version})
WHERE NOT coalesce(e.lookAhead, false)
WITH max(e.date) AS latest
OPTIONAL MATCH (x:Embedding {modelVersion: $model_version, date: latest})
RETURN latest, count(x) AS companies

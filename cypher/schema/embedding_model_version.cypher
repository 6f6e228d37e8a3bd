// Lookup of a model version's embeddings (resume checks, panels).
CREATE INDEX embedding_model_version IF NOT EXISTS FOR (e:Embedding) ON (e.modelVersion, e.date)

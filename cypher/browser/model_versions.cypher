// Model versions with their provenance: the as-of date the model saw, the graph fingerprint it was
// trained on, seed and split, validation AUC against the gate, whether it was promoted, and what
// it wrote back (embedding rows and month-end range, look-ahead rows among them).
MATCH (m:ModelVersion)
CALL {
  WITH m
  OPTIONAL MATCH (e:Embedding {modelVersion: m.version})
  RETURN count(e) AS embeddings, min(e.date) AS first_date, max(e.date) AS last_date,
         count(CASE WHEN e.lookAhead THEN 1 END) AS look_ahead_rows
}
RETURN m.version AS version, m.asOf AS as_of, m.graphFingerprint AS graph_fingerprint, m.split AS split,
       m.seed AS seed, m.valAuc AS val_auc, m.minAuc AS min_auc, m.gatePassed AS gate_passed,
       m.promoted AS promoted, m.device AS device, m.createdAt AS created_at,
       embeddings, first_date, last_date, look_ahead_rows
ORDER BY created_at, version

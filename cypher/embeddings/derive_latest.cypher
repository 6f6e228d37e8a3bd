// The "latest" contract (issue #21), derived from the stored embedding nodes, never copied from a run:
// the properties embedding, embeddingDrift, embeddingDate, modelVersion on a company are its embedding at the
// latest embedded month-end of the current model (the promoted one). While the current model has no
// embedding yet, they stay on the most recently promoted model that has one. Look-ahead rows never count.
// All companies that carry them share one date and one model; a company without an embedding then carries
// none. Run in the same transaction as a backfill's rows, and after a promotion: any order of backfills,
// re-runs, other models and interrupted runs ends in the same state. Unchanged values are not written again.
OPTIONAL MATCH (current:ModelVersion {promoted: true})
OPTIONAL MATCH (m:ModelVersion)
WHERE (m.promoted OR m.promotedAt IS NOT NULL)
  AND EXISTS { MATCH (e:Embedding {modelVersion: m.version}) WHERE NOT coalesce(e.lookAhead, false) }
WITH current, m
ORDER BY coalesce(m.promoted, false) DESC, coalesce(m.promotedAt, m.createdAt) DESC
LIMIT 1
CALL (m) {
  OPTIONAL MATCH (e:Embedding {modelVersion: m.version})
  WHERE NOT coalesce(e.lookAhead, false)
  RETURN max(e.date) AS latest
}
CALL (m, latest) {
  MATCH (c:Company)
  WHERE c.embeddingDate IS NOT NULL
    AND (m IS NULL OR c.embeddingDate <> latest OR c.modelVersion <> m.version
         OR NOT EXISTS { MATCH (c)-[:HAS_EMBEDDING]->(:Embedding {modelVersion: m.version, date: latest}) })
  REMOVE c.embedding, c.embeddingDrift, c.embeddingDate, c.modelVersion
  RETURN count(c) AS cleared
}
CALL (m, latest) {
  OPTIONAL MATCH (c:Company)-[:HAS_EMBEDDING]->(e:Embedding {modelVersion: m.version, date: latest})
  WHERE NOT coalesce(e.lookAhead, false)
  FOREACH (_ IN CASE WHEN c IS NOT NULL AND (c.modelVersion IS NULL OR c.embedding <> e.vector
                                             OR coalesce(c.embeddingDrift, -1.0) <> coalesce(e.drift, -1.0))
                THEN [1] ELSE [] END |
    SET c.embedding = e.vector, c.embeddingDrift = e.drift, c.embeddingDate = latest, c.modelVersion = m.version)
  RETURN count(c) AS companies
}
RETURN current.version AS current_model, m.version AS model_version, latest AS date, companies, cleared

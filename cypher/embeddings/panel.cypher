// Embeddings of one model version between two dates (inclusive; null = open).
MATCH (e:Embedding)
WHERE e.modelVersion = $model_version
  AND ($start IS NULL OR e.date >= $start) AND ($end IS NULL OR e.date <= $end)
RETURN e.date AS date, e.companyId AS company_id, e.vector AS vector, e.drift AS drift
ORDER BY date, company_id

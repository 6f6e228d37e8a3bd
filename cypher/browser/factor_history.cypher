// The values of one factor for a company over time, one row per month-end, with the company's
// cross-sectional rank that month (1 = highest). $modelVersion null = every version stored.
// :param company => 'NVDA'
// :param factor => 'graph_gnn_embedding_drift'
// :param modelVersion => null
MATCH (f:FactorValue {factor: $factor, companyId: $company})
WHERE $modelVersion IS NULL OR f.modelVersion = $modelVersion
CALL {
  WITH f
  MATCH (g:FactorValue {factor: f.factor, modelVersion: f.modelVersion, date: f.date})
  RETURN count(g) AS names, count(CASE WHEN g.value > f.value THEN 1 END) + 1 AS rank
}
RETURN f.date AS date, f.modelVersion AS model_version, f.value AS value, rank, names
ORDER BY model_version, date

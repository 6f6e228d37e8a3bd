// Centrality rows stored per snapshot date (reconciliation after a write).
MATCH (s:CentralitySnapshot)
RETURN s.date AS date, count(*) AS rows
ORDER BY date

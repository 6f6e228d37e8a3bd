// Every stored (factor, model version) with its row count and date range.
MATCH (f:FactorValue)
WITH f.factor AS factor, f.modelVersion AS model_version, count(*) AS rows,
     min(f.date) AS first_date, max(f.date) AS last_date, count(DISTINCT f.date) AS dates
RETURN factor, model_version, rows, dates, first_date, last_date
ORDER BY factor, model_version

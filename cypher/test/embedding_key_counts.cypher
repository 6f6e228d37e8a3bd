// Test helper: rows per (company, date, model version) key -- must all be 1.
MATCH (e:Embedding)
RETURN e.companyId AS company_id, e.date AS date, e.modelVersion AS model_version, count(*) AS n
ORDER BY n DESC
LIMIT 5

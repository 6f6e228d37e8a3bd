// Every signal with its verdict and how often it was tested.
MATCH (s:Signal)
OPTIONAL MATCH (s)-[:HAS_TEST]->(t:SignalTest)
WITH s, count(t) AS tests, count(DISTINCT t.runId) AS runs, max(t.testedAt) AS last_tested_at
RETURN s.name AS name, s.type AS type, s.tier AS tier, s.status AS status, s.verdict AS verdict,
       s.modelVersion AS model_version, coalesce(s.everRejected, false) AS ever_rejected,
       runs, tests, last_tested_at
ORDER BY name

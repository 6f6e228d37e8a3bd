// Every signal with its status, evidence tier, headline robust t and how often it was tested.
MATCH (s:Signal)
OPTIONAL MATCH (s)-[:HAS_TEST]->(t:SignalTest)
WITH s, count(t) AS tests, count(DISTINCT t.runId) AS runs, max(t.testedAt) AS last_tested_at
RETURN s.name AS name, s.type AS type, s.tier AS tier, s.status AS status, s.verdict AS verdict,
       s.modelVersion AS model_version, coalesce(s.everRejected, false) AS ever_rejected,
       runs, tests, last_tested_at, s.tStat AS t_stat, s.tStatHorizon AS t_stat_horizon,
       s.hlzPasses AS hlz_passes, s.noteMarkdown IS NOT NULL AS has_note
ORDER BY name

// One centrality row per (company, snapshot date).
CREATE CONSTRAINT centrality_key IF NOT EXISTS FOR (s:CentralitySnapshot) REQUIRE (s.companyId, s.date) IS UNIQUE

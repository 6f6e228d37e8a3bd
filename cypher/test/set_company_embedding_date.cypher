// Test helper: a write from outside nexus-graph that breaks the latest contract (one company's embeddingDate).
MATCH (c:Company {id: $company_id})
SET c.embeddingDate = $date

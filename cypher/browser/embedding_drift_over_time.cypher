// Neo4j Browser: a company's month-over-month embedding drift for one model version.
// :param company_id => 'NVDA'
// :param model_version => '<version from `nexus-graph registry` or models/>'
MATCH (:Company {id: $company_id})-[:HAS_EMBEDDING]->(e:Embedding {modelVersion: $model_version})
RETURN e.date AS date, e.drift AS drift
ORDER BY date

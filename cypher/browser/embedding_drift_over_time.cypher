// A company's month-over-month embedding drift for one model version ($modelVersion, null = the
// version of its latest embedding; `nexus-graph registry` and models/ list the others).
// :param company => 'NVDA'
// :param modelVersion => null
MATCH (c:Company {id: $company})
MATCH (c)-[:HAS_EMBEDDING]->(e:Embedding {modelVersion: coalesce($modelVersion, c.modelVersion)})
WHERE NOT coalesce(e.lookAhead, false)
RETURN e.date AS date, e.drift AS drift
ORDER BY date

// A company's centrality and embedding-drift history, one row per snapshot month-end: supply
// PageRank, degrees, board interlocks and the month-over-month drift of one model version
// ($modelVersion, null = the version of its latest embedding). Look-ahead rows are left out.
// Switch the result view to a table or chart.
// :param company => 'NVDA'
// :param modelVersion => null
MATCH (c:Company {id: $company})
WITH c, coalesce($modelVersion, c.modelVersion) AS version
MATCH (c)-[:HAS_CENTRALITY]->(s:CentralitySnapshot)
OPTIONAL MATCH (c)-[:HAS_EMBEDDING]->(e:Embedding {date: s.date, modelVersion: version})
WHERE NOT coalesce(e.lookAhead, false)
RETURN s.date AS date, s.pagerank AS pagerank, s.suppliesIn AS suppliers, s.suppliesOut AS customers,
       s.owners AS owners, s.boardSeats AS board_seats, s.boardInterlocks AS board_interlocks,
       e.drift AS drift, version AS model_version
ORDER BY date

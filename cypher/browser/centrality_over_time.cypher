// Neo4j Browser: a company's centrality over time (switch the result view to a chart or table).
// :param company_id => 'NVDA'
MATCH (:Company {id: $company_id})-[:HAS_CENTRALITY]->(s:CentralitySnapshot)
RETURN s.date AS date, s.pagerank AS pagerank, s.suppliesIn AS suppliers, s.suppliesOut AS customers,
       s.owners AS owners, s.boardInterlocks AS board_interlocks
ORDER BY date

// A company's centrality over time (switch the result view to a chart or table). The centralities
// were computed on each month-end's point-in-time snapshot.
// :param company => 'NVDA'
MATCH (:Company {id: $company})-[:HAS_CENTRALITY]->(s:CentralitySnapshot)
RETURN s.date AS date, s.pagerank AS pagerank, s.suppliesIn AS suppliers, s.suppliesOut AS customers,
       s.owners AS owners, s.boardInterlocks AS board_interlocks
ORDER BY date

// Read API: centrality snapshots between two dates (inclusive), of one company ($company_id) or of all (null).
MATCH (s:CentralitySnapshot)
WHERE s.date >= $start AND s.date <= $end AND ($company_id IS NULL OR s.companyId = $company_id)
RETURN s.date AS date, s.companyId AS company_id, s.suppliesOut AS supplies_out, s.suppliesIn AS supplies_in,
       s.owners AS owners, s.boardSeats AS board_seats, s.pagerank AS pagerank, s.boardInterlocks AS board_interlocks
ORDER BY date, company_id

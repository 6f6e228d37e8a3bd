// Upsert centralities keyed by (company, date) and link them to the company.
UNWIND $rows AS row
MATCH (c:Company {id: row.company_id})
MERGE (s:CentralitySnapshot {companyId: row.company_id, date: row.date})
SET s.suppliesOut = row.supplies_out, s.suppliesIn = row.supplies_in, s.owners = row.owners,
    s.boardSeats = row.board_seats, s.pagerank = row.pagerank, s.boardInterlocks = row.board_interlocks
MERGE (c)-[:HAS_CENTRALITY]->(s)

// Create the centralities of a snapshot date that held none when the write began (the fast twin of
// centrality/upsert, same properties): a row another writer stored meanwhile fails the centrality_key
// constraint, and the writer runs the date again with centrality/upsert.
UNWIND $rows AS row
MATCH (c:Company {id: row.company_id})
CREATE (c)-[:HAS_CENTRALITY]->(s:CentralitySnapshot {companyId: row.company_id, date: row.date})
SET s.suppliesOut = row.supplies_out, s.suppliesIn = row.supplies_in, s.owners = row.owners,
    s.boardSeats = row.board_seats, s.pagerank = row.pagerank, s.boardInterlocks = row.board_interlocks

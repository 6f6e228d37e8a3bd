// Centrality history of one company ($company_id) or of all (null), by date; packed rows (store/packed.py):
// [date, company_id, supplies_out, supplies_in, owners, board_seats, pagerank, board_interlocks], $chunk per record.
MATCH (s:CentralitySnapshot)
WHERE $company_id IS NULL OR s.companyId = $company_id
WITH s ORDER BY s.date, s.companyId
WITH collect([toString(s.date), s.companyId, s.suppliesOut, s.suppliesIn, s.owners, s.boardSeats, s.pagerank,
              s.boardInterlocks]) AS rows
UNWIND range(0, size(rows) - 1, $chunk) AS start
RETURN rows[start..start + $chunk] AS rows

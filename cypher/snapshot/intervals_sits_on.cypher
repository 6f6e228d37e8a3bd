// Bulk read: every SITS_ON interval known by $known_until (null = all), for in-memory slicing by date.
// Packed text rows (store/packed.py, text_rows_frame): one record per director in id order, its source_id and
// its rows by (target id, validFrom) -- together the (s.id, t.id, validFrom) order. A row is ONE string of
// the fields target_id, valid_from, valid_to, known_from, end_known_from, role, joined by U+001F
// (never in loaded data); '' is null; dates are ISO text, numbers Java's round-trip text, text 'v' + value.
// One string per row decodes far faster in the Python driver than a list of values; one record per
// source node keeps the server's memory to one node's rows (a collect of every interval -- 1M in the
// scale scenario -- needs more transaction memory than a 1g heap allows).
MATCH (s:Director)
WITH s ORDER BY s.id
CALL (s) {
  MATCH (s)-[r:SITS_ON]->(t:Company)
  WHERE $known_until IS NULL OR r.knownFrom <= $known_until
  WITH t, r ORDER BY t.id, r.validFrom
  RETURN collect(t.id + '\u001F' +
                 coalesce(toString(r.validFrom), '') + '\u001F' +
                 coalesce(toString(r.validTo), '') + '\u001F' +
                 coalesce(toString(r.knownFrom), '') + '\u001F' +
                 coalesce(toString(r.endKnownFrom), '') + '\u001F' +
                 coalesce('v' + r.role, '')) AS rows
}
WITH s, rows WHERE size(rows) > 0
RETURN s.id AS source_id, rows

// Bulk read: every OWNS interval known by $known_until (null = all), for in-memory slicing by date;
// packed rows (store/packed.py): [source_id, target_id, valid_from, valid_to, known_from, end_known_from, value_usd, shares, pct_outstanding],
// one record per fund in id order, its rows by (target id, validFrom): the rows of (s.id, t.id, validFrom) order.
// Packed per source node, so the server holds one node's rows at a time: one collect of every interval
// (1M in the scale scenario) needs more transaction memory than a 1g heap allows.
MATCH (s:Fund)
WITH s ORDER BY s.id
CALL (s) {
  MATCH (s)-[r:OWNS]->(t:Company)
  WHERE $known_until IS NULL OR r.knownFrom <= $known_until
  WITH t, r ORDER BY t.id, r.validFrom
  RETURN collect([s.id, t.id, toString(r.validFrom), toString(r.validTo), toString(r.knownFrom), toString(r.endKnownFrom), r.valueUsd, r.shares, r.pctOutstanding]) AS rows
}
WITH rows WHERE size(rows) > 0
RETURN rows

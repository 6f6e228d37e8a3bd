// Relationships known late: intervals that became public more than $lagDays days after they started
// (disclosure lag = knownFrom - validFrom), among those known by $asOf -- what a backtest that used
// validFrom alone would have seen too early. $company null = the whole graph.
// :param asOf => '2023-12-31'
// :param lagDays => 90
// :param company => 'NVDA'
MATCH (s)-[r:SUPPLIES|OWNS|SITS_ON]->(t:Company)
WHERE r.knownFrom <= date($asOf) AND ($company IS NULL OR $company IN [s.id, t.id])
WITH s, r, t, duration.inDays(r.validFrom, r.knownFrom).days AS lag_days
WHERE lag_days > toInteger($lagDays)
RETURN type(r) AS rel_type, s.id AS source_id, t.id AS target_id, r.validFrom AS valid_from,
       r.knownFrom AS known_from, lag_days
ORDER BY lag_days DESC, rel_type, source_id, target_id, valid_from

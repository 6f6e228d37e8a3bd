// Read API: the dated embeddings of one model version between two month-ends (inclusive), point in time:
// rows written by a look-ahead backfill are left out unless $allow_look_ahead.
MATCH (e:Embedding {modelVersion: $model_version})
WHERE e.date >= $start AND e.date <= $end
  AND ($allow_look_ahead OR coalesce(e.lookAhead, false) = false)
RETURN e.date AS date, e.companyId AS company_id, e.vector AS vector, e.drift AS drift,
       coalesce(e.lookAhead, false) AS look_ahead
ORDER BY date, company_id

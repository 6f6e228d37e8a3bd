// Read API: one factor (one model version; '' = model-free) between two dates, point in time: look-ahead
// rows are left out unless $allow_look_ahead.
MATCH (f:FactorValue {factor: $factor, modelVersion: $model_version})
WHERE f.date >= $start AND f.date <= $end
  AND ($allow_look_ahead OR coalesce(f.lookAhead, false) = false)
RETURN f.date AS date, f.companyId AS company_id, f.value AS value, coalesce(f.lookAhead, false) AS look_ahead
ORDER BY date, company_id

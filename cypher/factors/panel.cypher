// One factor panel (factor, model version) in (date, company) order; packed rows (store/packed.py):
// [date, company_id, value], $chunk per record.
MATCH (f:FactorValue {factor: $factor, modelVersion: $model_version})
WITH f ORDER BY f.date, f.companyId
WITH collect([toString(f.date), f.companyId, f.value]) AS rows
UNWIND range(0, size(rows) - 1, $chunk) AS start
RETURN rows[start..start + $chunk] AS rows

// One status change of a signal, keyed by the run that caused it: a retried or repeated registration of the
// same run adds nothing (ON CREATE only), so the history is idempotent.
MATCH (s:Signal {name: $signal})
MERGE (c:StatusChange {signal: $signal, runId: $run_id})
ON CREATE SET c.status = $status, c.from = $from, c.at = datetime(), c.reason = $reason, c.verdict = $verdict,
              c.lastDate = $last_date
MERGE (s)-[:HAD_STATUS]->(c)
RETURN c.status AS status

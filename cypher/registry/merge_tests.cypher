// One SignalTest per (signal, run, horizon) with its figures; testedAt is set once, when first recorded.
MATCH (s:Signal {name: $signal})
UNWIND $tests AS test
MERGE (t:SignalTest {signal: $signal, runId: $run_id, horizon: test.horizon})
ON CREATE SET t.testedAt = datetime()
SET t += test, t.dataFingerprint = $data_fingerprint, t.modelVersion = $model_version,
    t.status = $status, t.verdict = $verdict, t.registered = true, t.lookAhead = $look_ahead
MERGE (s)-[:HAS_TEST]->(t)
RETURN count(t) AS tests

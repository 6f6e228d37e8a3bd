// Record the tests of an unregistered run (--no-register) as trials: they join every later family but
// leave the Signal's status and verdict alone. MERGE on (signal, runId, horizon): a retry adds nothing,
// and a test already recorded (registered or not) is left as it is.
MERGE (s:Signal {name: $signal})
ON CREATE SET s.createdAt = datetime()
WITH s
UNWIND $tests AS test
MERGE (t:SignalTest {signal: $signal, runId: $run_id, horizon: test.horizon})
ON CREATE SET t += test, t.testedAt = datetime(), t.registered = false, t.dataFingerprint = $data_fingerprint,
              t.modelVersion = $model_version, t.status = $status, t.verdict = $verdict, t.lookAhead = $look_ahead
MERGE (s)-[:HAS_TEST]->(t)
RETURN count(t) AS tests

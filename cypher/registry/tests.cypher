// Every test of one signal, oldest first.
MATCH (:Signal {name: $signal})-[:HAS_TEST]->(t:SignalTest)
RETURN properties(t) AS test
ORDER BY t.testedAt, t.runId, t.horizon

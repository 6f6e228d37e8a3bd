// Test helper: remove the signal registry (signals and their tests) only.
MATCH (n)
WHERE n:Signal OR n:SignalTest
DETACH DELETE n

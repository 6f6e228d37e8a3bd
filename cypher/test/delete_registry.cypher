// Test helper: remove the signal registry (signals, their tests and status changes) only.
MATCH (n)
WHERE n:Signal OR n:SignalTest OR n:StatusChange
DETACH DELETE n

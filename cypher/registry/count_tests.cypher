// Tests recorded in the registry (every horizon of every run), optionally leaving one run out.
MATCH (t:SignalTest)
WHERE $exclude_run IS NULL OR t.runId <> $exclude_run
RETURN count(t) AS tests

// The signal registry: every signal with its verdict and status, how often it was tested, and its
// latest run's test per horizon (mean IC, t, Newey-West t, overlap-robust t, the HLZ bar).
// Rejected signals stay listed: every test ever run counts in the multiple-testing bar.
MATCH (s:Signal)
CALL {
  WITH s
  OPTIONAL MATCH (s)-[:HAS_TEST]->(t:SignalTest)
  RETURN count(t) AS tests, count(DISTINCT t.runId) AS runs
}
CALL {
  WITH s
  OPTIONAL MATCH (s)-[:HAS_TEST]->(t:SignalTest {runId: s.lastRunId})
  WITH t ORDER BY t.horizon
  RETURN collect({horizon: t.horizon, n: t.n, mean_ic: t.meanIc, t: t.t, nw_t: t.nwT, robust_t: t.robustT,
                  hlz_bar: t.hlzBar, passes: t.passes}) AS latest_tests
}
RETURN s.name AS signal, s.verdict AS verdict, s.status AS status, s.tier AS tier,
       s.modelVersion AS model_version, coalesce(s.everRejected, false) AS ever_rejected, runs, tests,
       latest_tests
ORDER BY signal

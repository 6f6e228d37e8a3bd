// The signal registry: every signal with its type, evidence tier, status and verdict, its headline robust t,
// how often it was tested, its latest run's test per horizon (mean IC, t, Newey-West t, overlap-robust t,
// the HLZ bar) and its status history. Rejected signals stay listed: every test ever run counts in the
// multiple-testing bar.
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
CALL {
  WITH s
  OPTIONAL MATCH (s)-[:HAD_STATUS]->(c:StatusChange)
  WITH c ORDER BY c.at
  RETURN collect({status: c.status, from: c.from, at: c.at, run_id: c.runId}) AS history
}
RETURN s.name AS signal, s.type AS type, s.tier AS tier, s.status AS status, s.verdict AS verdict,
       s.tStat AS t_stat, s.tStatHorizon AS t_stat_horizon, s.hlzPasses AS hlz_passes,
       s.modelVersion AS model_version, coalesce(s.everRejected, false) AS ever_rejected, runs, tests,
       latest_tests, history
ORDER BY signal

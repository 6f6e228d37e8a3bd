// Every test ever recorded (all signals, runs and horizons, unregistered runs included): the multiple-testing family.
MATCH (t:SignalTest)
RETURN t.signal AS signal, t.runId AS run_id, t.horizon AS horizon, t.robustP AS robust_p,
       coalesce(t.registered, true) AS registered
ORDER BY signal, run_id, horizon

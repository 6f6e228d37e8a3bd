// Every recorded model version, oldest first.
MATCH (m:ModelVersion)
RETURN m.version AS version, m.asOf AS as_of, m.split AS split, m.seed AS seed, m.valAuc AS val_auc,
       m.minAuc AS min_auc, m.gatePassed AS gate_passed, m.promoted AS promoted, m.params AS params,
       m.device AS device, m.seconds AS seconds, m.graphFingerprint AS graph_fingerprint,
       m.createdAt AS created_at, m.baselineAuc AS baseline_auc, m.label AS label
ORDER BY m.createdAt, m.version

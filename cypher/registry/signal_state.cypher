// What the registry knew about signal $signal before this registration: status, the ALPHA evidence of its
// lifecycle, tests, rejected runs.
OPTIONAL MATCH (s:Signal {name: $signal})
OPTIONAL MATCH (s)-[:HAS_TEST]->(t:SignalTest)
RETURN s IS NOT NULL AS known, s.status AS status, s.verdict AS verdict,
       coalesce(s.everRejected, false) AS ever_rejected,
       s.alphaLastDate AS alpha_last_date, coalesce(s.alphaSign, 0) AS alpha_sign,
       count(t) AS tests,
       count(CASE WHEN t.runId = $run_id AND coalesce(t.registered, true) THEN 1 END) AS run_tests,
       count(DISTINCT CASE WHEN t.status = 'rejected' AND coalesce(t.registered, true) THEN t.runId END)
         AS rejected_runs,
       max(CASE WHEN t.status = 'rejected' AND coalesce(t.registered, true) THEN t.testedAt END) AS last_rejected_at

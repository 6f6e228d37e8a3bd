// One test per (signal, run, horizon): registering the same run twice changes nothing.
CREATE CONSTRAINT signal_test_key IF NOT EXISTS FOR (t:SignalTest) REQUIRE (t.signal, t.runId, t.horizon) IS UNIQUE

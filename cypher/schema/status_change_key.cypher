// One status change per (signal, run): re-registering a run never adds a second one.
CREATE CONSTRAINT status_change_key IF NOT EXISTS FOR (c:StatusChange) REQUIRE (c.signal, c.runId) IS UNIQUE

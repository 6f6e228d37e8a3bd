// What used one model version: its backfills (embedding rows, month-ends, first and last), the factors stored
// under it, and the signals whose registry tests name it.
OPTIONAL MATCH (e:Embedding {modelVersion: $version})
WITH count(e) AS embeddings, count(DISTINCT e.date) AS month_ends, min(e.date) AS first, max(e.date) AS last
OPTIONAL MATCH (f:FactorValue {modelVersion: $version})
WITH embeddings, month_ends, first, last, collect(DISTINCT f.factor) AS factors
OPTIONAL MATCH (t:SignalTest {modelVersion: $version})
RETURN embeddings, month_ends, first, last, factors, collect(DISTINCT t.signal) AS signals

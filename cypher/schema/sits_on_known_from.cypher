// Range index on SITS_ON.knownFrom for point-in-time filters.
CREATE INDEX sits_on_known_from IF NOT EXISTS FOR ()-[r:SITS_ON]-() ON (r.knownFrom)

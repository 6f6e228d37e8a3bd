// Range index on OWNS.knownFrom for point-in-time filters.
CREATE INDEX owns_known_from IF NOT EXISTS FOR ()-[r:OWNS]-() ON (r.knownFrom)

// Range index on SUPPLIES.knownFrom for point-in-time filters.
CREATE INDEX supplies_known_from IF NOT EXISTS FOR ()-[r:SUPPLIES]-() ON (r.knownFrom)

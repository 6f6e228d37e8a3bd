// Range index on OWNS.validFrom for point-in-time filters.
CREATE INDEX owns_valid_from IF NOT EXISTS FOR ()-[r:OWNS]-() ON (r.validFrom)

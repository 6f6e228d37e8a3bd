// Range index on SITS_ON.validFrom for point-in-time filters.
CREATE INDEX sits_on_valid_from IF NOT EXISTS FOR ()-[r:SITS_ON]-() ON (r.validFrom)

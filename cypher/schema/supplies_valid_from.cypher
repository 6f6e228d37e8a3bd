// Range index on SUPPLIES.validFrom for point-in-time filters.
CREATE INDEX supplies_valid_from IF NOT EXISTS FOR ()-[r:SUPPLIES]-() ON (r.validFrom)

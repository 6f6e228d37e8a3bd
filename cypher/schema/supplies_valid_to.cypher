// Range index on SUPPLIES.validTo for point-in-time filters.
CREATE INDEX supplies_valid_to IF NOT EXISTS FOR ()-[r:SUPPLIES]-() ON (r.validTo)

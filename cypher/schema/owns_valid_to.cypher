// Range index on OWNS.validTo for point-in-time filters.
CREATE INDEX owns_valid_to IF NOT EXISTS FOR ()-[r:OWNS]-() ON (r.validTo)

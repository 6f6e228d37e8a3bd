// Range index on SITS_ON.validTo for point-in-time filters.
CREATE INDEX sits_on_valid_to IF NOT EXISTS FOR ()-[r:SITS_ON]-() ON (r.validTo)

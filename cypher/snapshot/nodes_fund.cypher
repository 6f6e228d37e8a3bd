// Every fund.
MATCH (f:Fund)
RETURN f.id AS node_id, f.name AS name, f.fundType AS fund_type
ORDER BY node_id

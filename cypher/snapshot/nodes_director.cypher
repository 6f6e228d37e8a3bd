// Every director.
MATCH (d:Director)
RETURN d.id AS node_id, d.name AS name
ORDER BY node_id

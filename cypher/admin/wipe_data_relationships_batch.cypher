// Delete up to $limit relationships that touch a graph-data node (the registry's links among its own nodes
// stay); repeat until it returns 0. Done before wipe_data_batch so that DETACH DELETE of a node batch does
// not take every relationship of thousands of dense company nodes into one transaction (the server's
// transaction memory limit, hit by a demo run over an x20 graph).
MATCH (a)-[r]->(b)
WHERE NOT ((a:Signal OR a:SignalTest OR a:StatusChange OR a:ModelVersion OR a:PaperTradeRun)
           AND (b:Signal OR b:SignalTest OR b:StatusChange OR b:ModelVersion OR b:PaperTradeRun))
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted

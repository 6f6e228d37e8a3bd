// Delete up to $limit graph-data nodes (with their relationships), keeping the registry and model versions.
MATCH (n)
WHERE NOT (n:Signal OR n:SignalTest OR n:StatusChange OR n:ModelVersion OR n:PaperTradeRun)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted

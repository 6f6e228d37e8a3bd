// Every node with all its properties (for the full, deterministic export of dump_graph).
MATCH (n)
RETURN labels(n) AS labels, properties(n) AS properties

// Number of :Fund nodes (from the count store: constant time).
MATCH (n:Fund)
RETURN count(n) AS count

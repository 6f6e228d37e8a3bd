// Number of :Director nodes (from the count store: constant time).
MATCH (n:Director)
RETURN count(n) AS count

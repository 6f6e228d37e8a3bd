// Number of :Company nodes (from the count store: constant time).
MATCH (n:Company)
RETURN count(n) AS count

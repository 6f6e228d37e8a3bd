// Number of SUPPLIES relationships (from the count store: constant time).
MATCH ()-[r:SUPPLIES]->()
RETURN count(r) AS count

// Number of SITS_ON relationships (from the count store: constant time).
MATCH ()-[r:SITS_ON]->()
RETURN count(r) AS count

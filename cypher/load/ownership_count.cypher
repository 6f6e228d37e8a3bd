// Number of OWNS relationships (from the count store: constant time).
MATCH ()-[r:OWNS]->()
RETURN count(r) AS count

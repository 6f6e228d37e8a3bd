// The last date the graph knows anything about: the latest knownFrom / endKnownFrom of any relationship.
MATCH ()-[r:SUPPLIES|OWNS|SITS_ON]->()
RETURN max(r.knownFrom) AS last_known, max(r.endKnownFrom) AS last_end_known

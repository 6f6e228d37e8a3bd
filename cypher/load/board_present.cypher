// Reconciliation after a load: which records of a batch (same $data text as board_create) are in the graph,
// keyed by (source, target, validFrom). Returns the positions found; the loader writes the others again.
// The hints pin the plan (both ends by their id, then the relationships between them). Right after a
// wipe and a load the planner's statistics can still describe the other graph (the server's log showed
// plans discarded as stale around it), and in x20 demos run just after a wipe this check took 21.6 s
// for the 42k supply rows instead of 1.3 s.
WITH split($data, '\u001E') AS lines
UNWIND range(0, size(lines) - 1) AS i
WITH i, split(lines[i], '\u001F') AS f
MATCH (s:Director {id: substring(f[0], 1)})
USING INDEX s:Director(id)
MATCH (t:Company {id: substring(f[1], 1)})
USING INDEX t:Company(id)
WITH i, f, s, t
MATCH (s)-[r:SITS_ON]->(t)
WHERE date(r.validFrom) = date(substring(f[2], 1))
RETURN DISTINCT i AS position

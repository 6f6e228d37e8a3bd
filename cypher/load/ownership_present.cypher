// Reconciliation after a load: which records of a batch (same $data text as ownership_create) are in the graph,
// keyed by (source, target, validFrom). Returns the positions found; the loader writes the others again.
WITH split($data, '\u001E') AS lines
UNWIND range(0, size(lines) - 1) AS i
WITH i, split(lines[i], '\u001F') AS f
MATCH (s:Fund {id: substring(f[0], 1)})
MATCH (t:Company {id: substring(f[1], 1)})
WITH i, f, s, t
MATCH (s)-[r:OWNS]->(t)
WHERE date(r.validFrom) = date(substring(f[2], 1))
RETURN DISTINCT i AS position

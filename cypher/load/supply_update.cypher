// Update the SUPPLIES intervals of a batch that already exist, keyed by (source, target, validFrom): every
// property but the key is SET (null removes it), so a re-run converges. Returns the batch positions it
// updated; the loader CREATEs the others (supply_create) in the same transaction.
// $data: the same text records as supply_create (see there).
// date(r.validFrom) rather than r.validFrom keeps the planner off the validFrom range index: with stale
// index statistics (right after a bulk create) it would otherwise seek that index for every row, and
// many intervals share a start date. Expand(Into) between the two bound endpoints is always cheap.
WITH split($data, '\u001E') AS lines
UNWIND range(0, size(lines) - 1) AS i
WITH i, split(lines[i], '\u001F') AS f
MATCH (s:Company {id: substring(f[0], 1)})
MATCH (t:Company {id: substring(f[1], 1)})
WITH i, f, s, t
MATCH (s)-[r:SUPPLIES]->(t)
WHERE date(r.validFrom) = date(substring(f[2], 1))
SET r.validTo = CASE f[3] WHEN '' THEN null ELSE date(substring(f[3], 1)) END,
    r.knownFrom = date(substring(f[4], 1)),
    r.endKnownFrom = CASE f[5] WHEN '' THEN null ELSE date(substring(f[5], 1)) END,
    r.weight = CASE f[6] WHEN '' THEN null ELSE toFloat(substring(f[6], 1)) END,
    r.source = CASE f[7] WHEN '' THEN null ELSE substring(f[7], 1) END
RETURN i AS position

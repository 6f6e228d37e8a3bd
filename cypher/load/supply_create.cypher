// Create SUPPLIES intervals (all of a batch when the graph has none of this type yet, else the rows that
// supply_update did not find) with their properties in the CREATE itself (a null value stores nothing).
// $data: one batch of supply rows as text (built by nexus_graph.store.graph.encode_rows), rows split by
// U+001E, fields by U+001F, in the order fromId, toId, validFrom, validTo, knownFrom, endKnownFrom, payload;
// a field is '' for null or 'v' + the value (ISO dates, Python float text). One string parameter packs ~10x
// faster than a list of maps with the Python driver; values stay parameters, never Cypher text.
// Rows are grouped by source so each source node is looked up once per batch (the loader sorts them by
// source id, which also keeps two batches in flight on mostly different source nodes).
UNWIND split($data, '\u001E') AS line
WITH split(line, '\u001F') AS f
WITH f[0] AS sourceField, collect(f) AS rows
MATCH (s:Company {id: substring(sourceField, 1)})
UNWIND rows AS f
MATCH (t:Company {id: substring(f[1], 1)})
CREATE (s)-[r:SUPPLIES {validFrom: date(substring(f[2], 1)),
    validTo: CASE f[3] WHEN '' THEN null ELSE date(substring(f[3], 1)) END,
    knownFrom: date(substring(f[4], 1)),
    endKnownFrom: CASE f[5] WHEN '' THEN null ELSE date(substring(f[5], 1)) END,
    weight: CASE f[6] WHEN '' THEN null ELSE toFloat(substring(f[6], 1)) END,
    source: CASE f[7] WHEN '' THEN null ELSE substring(f[7], 1) END}]->(t)
RETURN count(r) AS written

// One paper-trade run and the signals it used, idempotently: the run is MERGEd by id (createdAt set
// once), its properties updated from $props, USED_SIGNAL edges to signals no longer listed removed,
// and each Signal MERGEd by name so a run can be recorded before the signal was ever evaluated.
MERGE (r:PaperTradeRun {id: $id})
ON CREATE SET r.createdAt = datetime()
SET r += $props
WITH r
OPTIONAL MATCH (r)-[stale:USED_SIGNAL]->(old:Signal)
WHERE NOT old.name IN $signals
DELETE stale
WITH DISTINCT r
UNWIND $signals AS name
MERGE (s:Signal {name: name})
MERGE (r)-[:USED_SIGNAL]->(s)
RETURN count(s) AS signals

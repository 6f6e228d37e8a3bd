// A recorded paper-trade run: its properties and the names of the signals it used.
MATCH (r:PaperTradeRun {id: $id})
OPTIONAL MATCH (r)-[:USED_SIGNAL]->(s:Signal)
WITH r, s ORDER BY s.name
RETURN properties(r) AS run, collect(s.name) AS signals

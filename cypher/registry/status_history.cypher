// Every status change of one signal, oldest first.
MATCH (:Signal {name: $signal})-[:HAD_STATUS]->(c:StatusChange)
RETURN c.status AS status, c.from AS from, c.at AS at, c.runId AS run_id, c.verdict AS verdict,
       c.lastDate AS last_date, c.reason AS reason
ORDER BY at, run_id

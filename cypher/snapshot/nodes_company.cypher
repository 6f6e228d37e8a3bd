// Every company with the attributes the snapshot features use (node index = sorted ids).
MATCH (c:Company)
RETURN c.id AS node_id, c.name AS name, c.kind AS kind, c.segment AS segment, c.country AS country,
       c.listedFrom AS listed_from, c.listedTo AS listed_to
ORDER BY node_id

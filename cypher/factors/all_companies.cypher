// The ids of every company in the graph (an imported factor's companies must be among them).
MATCH (c:Company)
RETURN c.id AS company_id
ORDER BY company_id

// Ids of the companies of one kind ('equity' = the IC cross-section), sorted.
MATCH (c:Company)
WHERE c.kind = $kind
RETURN c.id AS company_id
ORDER BY company_id

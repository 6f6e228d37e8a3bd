// Which of $ids are Company nodes (factor values attach to companies that exist).
UNWIND $ids AS id
MATCH (c:Company {id: id})
RETURN c.id AS company_id

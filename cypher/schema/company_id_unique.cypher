// Uniqueness of the Company key (also its lookup index for MERGE).
CREATE CONSTRAINT company_id_unique IF NOT EXISTS FOR (n:Company) REQUIRE n.id IS UNIQUE

// Uniqueness of the Fund key (also its lookup index for MERGE).
CREATE CONSTRAINT fund_id_unique IF NOT EXISTS FOR (n:Fund) REQUIRE n.id IS UNIQUE

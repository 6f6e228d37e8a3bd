// Uniqueness of the Director key (also its lookup index for MERGE).
CREATE CONSTRAINT director_id_unique IF NOT EXISTS FOR (n:Director) REQUIRE n.id IS UNIQUE

// Vector index over the latest embedding copied onto each company (dimension of the default HGT: 64).
CREATE VECTOR INDEX company_embedding IF NOT EXISTS
FOR (c:Company) ON (c.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: 64, `vector.similarity_function`: 'cosine'}}

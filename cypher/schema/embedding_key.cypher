// One embedding per (company, snapshot date, model version): other versions are never overwritten.
CREATE CONSTRAINT embedding_key IF NOT EXISTS FOR (e:Embedding) REQUIRE (e.companyId, e.date, e.modelVersion) IS UNIQUE

// One factor value per (factor, model version, snapshot date, company); model-free factors use modelVersion ''.
CREATE CONSTRAINT factor_value_key IF NOT EXISTS FOR (f:FactorValue) REQUIRE (f.factor, f.modelVersion, f.date, f.companyId) IS UNIQUE

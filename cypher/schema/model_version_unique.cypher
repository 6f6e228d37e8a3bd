// One (:ModelVersion) node per trained model version (also its lookup index for MERGE).
CREATE CONSTRAINT model_version_unique IF NOT EXISTS FOR (m:ModelVersion) REQUIRE m.version IS UNIQUE

// All properties of one model version (no row when it was never recorded).
MATCH (m:ModelVersion {version: $version})
RETURN properties(m) AS props

// Read API: the promoted model version (the current model), if any.
MATCH (m:ModelVersion {promoted: true})
RETURN m.version AS version, m.graphFingerprint AS graph_fingerprint
ORDER BY m.createdAt DESC
LIMIT 1

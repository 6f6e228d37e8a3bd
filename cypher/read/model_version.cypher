// Read API: one model version's identity, or nothing when it was never recorded.
MATCH (m:ModelVersion {version: $version})
RETURN m.version AS version, m.graphFingerprint AS graph_fingerprint

// Record a trained model's provenance; re-recording the same version overwrites the same properties.
MERGE (m:ModelVersion {version: $version})
ON CREATE SET m.recordedAt = datetime()
SET m += $props
RETURN m.version AS version

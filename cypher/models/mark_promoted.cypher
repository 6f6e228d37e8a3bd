// Exactly one promoted version: the given one (the others are set false).
MATCH (m:ModelVersion)
SET m.promoted = (m.version = $version)
RETURN count(m) AS versions

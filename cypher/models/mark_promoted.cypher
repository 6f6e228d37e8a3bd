// Exactly one promoted version: the given one (the others are set false). promotedAt records when a version was
// last promoted, so the latest-embedding contract can fall back to the previous promoted model.
MATCH (m:ModelVersion)
SET m.promoted = (m.version = $version),
    m.promotedAt = CASE WHEN m.version = $version THEN datetime() ELSE m.promotedAt END
RETURN count(m) AS versions

// Every constraint, for `db init` reports.
SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties
RETURN name, type, entityType AS entity_type, labelsOrTypes AS labels_or_types, properties
ORDER BY name

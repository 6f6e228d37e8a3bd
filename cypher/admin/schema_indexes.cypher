// Every index (constraints included, through their backing indexes), for `db init` reports.
SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, state
RETURN name, type, entityType AS entity_type, labelsOrTypes AS labels_or_types, properties, state
ORDER BY name

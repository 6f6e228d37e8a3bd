// Every relationship with its endpoints (labels + id, or all properties when a node has no id) and properties.
MATCH (s)-[r]->(t)
RETURN labels(s) AS source_labels, s.id AS source_id,
       CASE WHEN s.id IS NULL THEN properties(s) END AS source_properties,
       type(r) AS type,
       labels(t) AS target_labels, t.id AS target_id,
       CASE WHEN t.id IS NULL THEN properties(t) END AS target_properties,
       properties(r) AS properties

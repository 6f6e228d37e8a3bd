// Drift leaders and laggards at a month-end: the $k companies whose embedding moved most and least
// since the previous month-end, for one model version ($modelVersion, null = the version of the
// latest embeddings on the companies). Rows labelled look-ahead (trained on data known after the
// date) are left out, as every point-in-time read does.
// :param monthEnd => '2023-12-31'
// :param k => 10
// :param modelVersion => null
CALL {
  MATCH (c:Company) WHERE c.modelVersion IS NOT NULL
  RETURN c.modelVersion AS latest ORDER BY c.embeddingDate DESC, latest LIMIT 1
}
WITH coalesce($modelVersion, latest) AS version
CALL {
  WITH version
  MATCH (c:Company)-[:HAS_EMBEDDING]->(e:Embedding {date: date($monthEnd), modelVersion: version})
  WHERE e.drift IS NOT NULL AND NOT coalesce(e.lookAhead, false)
  RETURN 'leader' AS side, c, e ORDER BY e.drift DESC, c.id LIMIT toInteger($k)
  UNION ALL
  WITH version
  MATCH (c:Company)-[:HAS_EMBEDDING]->(e:Embedding {date: date($monthEnd), modelVersion: version})
  WHERE e.drift IS NOT NULL AND NOT coalesce(e.lookAhead, false)
  RETURN 'laggard' AS side, c, e ORDER BY e.drift ASC, c.id LIMIT toInteger($k)
}
RETURN side, c.id AS company_id, c.name AS name, c.segment AS segment, e.drift AS drift, version AS model_version
ORDER BY side DESC, CASE side WHEN 'leader' THEN -e.drift ELSE e.drift END, company_id

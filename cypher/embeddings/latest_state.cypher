// What the companies' latest-embedding properties hold now: the current (promoted) model, the model and date
// the properties carry (one each, by the contract of derive_latest), and how many companies carry them.
OPTIONAL MATCH (current:ModelVersion {promoted: true})
CALL () {
  MATCH (c:Company) WHERE c.embeddingDate IS NOT NULL
  RETURN collect(DISTINCT c.modelVersion) AS models, collect(DISTINCT c.embeddingDate) AS dates, count(c) AS companies
}
RETURN current.version AS current_model, models, dates, companies

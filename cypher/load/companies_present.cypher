// Reconciliation after a load: which of $ids are (:Company) nodes in the graph.
UNWIND $ids AS id
MATCH (n:Company {id: id})
RETURN n.id AS id

// Reconciliation after a load: which of $ids are (:Fund) nodes in the graph.
UNWIND $ids AS id
MATCH (n:Fund {id: id})
RETURN n.id AS id

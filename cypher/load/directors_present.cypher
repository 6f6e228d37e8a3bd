// Reconciliation after a load: which of $ids are (:Director) nodes in the graph.
UNWIND $ids AS id
MATCH (n:Director {id: id})
RETURN n.id AS id

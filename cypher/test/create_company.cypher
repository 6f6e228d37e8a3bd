// Test helper: create (not merge) a Company node.
CREATE (:Company {id: $id})

// Ids of the paper-trade runs that used signal $signal, newest first.
MATCH (r:PaperTradeRun)-[:USED_SIGNAL]->(:Signal {name: $signal})
RETURN r.id AS id, r.createdAt AS created_at
ORDER BY created_at DESC, id

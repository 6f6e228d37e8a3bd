// Create or update the registry entry of one signal with the verdict of its latest registered run.
MERGE (s:Signal {name: $signal})
ON CREATE SET s.createdAt = datetime()
SET s.type = $type, s.tier = $tier, s.status = $status, s.verdict = $verdict, s.reasons = $reasons,
    s.modelVersion = $model_version, s.lastRunId = $run_id, s.lookAhead = $look_ahead,
    s.everRejected = coalesce(s.everRejected, false) OR $status = 'rejected'
RETURN s.name AS name

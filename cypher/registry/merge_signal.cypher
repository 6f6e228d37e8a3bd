// Create or update the registry entry of one signal after a registered run: $status is the signal's status
// after the lifecycle's transition, $run_status the run's own; $properties the further figures (tStat,
// tStatHorizon, hlzPasses, regimeProfile, alphaLastDate, alphaSign, statusReason; a null removes one).
MERGE (s:Signal {name: $signal})
ON CREATE SET s.createdAt = datetime()
SET s.type = $type, s.tier = $tier, s.status = $status, s.verdict = $verdict, s.reasons = $reasons,
    s.modelVersion = $model_version, s.lastRunId = $run_id, s.lookAhead = $look_ahead,
    s.everRejected = coalesce(s.everRejected, false) OR $run_status = 'rejected'
SET s += $properties
RETURN s.name AS name

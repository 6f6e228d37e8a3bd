// Read API: how many embeddings of one model version lie between two dates, and how many of them are look-ahead
// (to explain an empty answer).
MATCH (e:Embedding {modelVersion: $model_version})
WHERE e.date >= $start AND e.date <= $end
RETURN count(e) AS rows, count(CASE WHEN e.lookAhead THEN 1 END) AS look_ahead_rows

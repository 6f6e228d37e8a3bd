// Set (or, with a null $note, remove) the researcher's free-text note on one signal.
MATCH (s:Signal {name: $signal})
SET s.noteMarkdown = $note, s.noteUpdatedAt = CASE WHEN $note IS NULL THEN null ELSE datetime() END
RETURN s.noteMarkdown AS note

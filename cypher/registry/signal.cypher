// The properties of one signal.
MATCH (s:Signal {name: $signal})
RETURN properties(s) AS signal

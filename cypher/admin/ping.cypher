// Liveness check: an authenticated round trip.
RETURN 1 AS ok

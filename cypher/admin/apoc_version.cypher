// The APOC version the server loaded (fails when APOC core is not installed in plugins/).
RETURN apoc.version() AS version

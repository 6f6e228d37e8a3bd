// One registry entry per signal name (a paper-trade run may MERGE it by name before it is evaluated).
CREATE CONSTRAINT signal_name_unique IF NOT EXISTS FOR (s:Signal) REQUIRE s.name IS UNIQUE

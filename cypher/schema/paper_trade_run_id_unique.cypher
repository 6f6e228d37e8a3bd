// Uniqueness of a paper-trade run id (also its lookup index for MERGE): one node per run.
CREATE CONSTRAINT paper_trade_run_id_unique IF NOT EXISTS FOR (n:PaperTradeRun) REQUIRE n.id IS UNIQUE

// Test helper: remove what centralities, evaluate and paper-trade write (centrality snapshots, the signal
// registry with its status history, paper-trade runs), so a test that ran them leaves the graph as the backfill left it.
MATCH (n)
WHERE n:CentralitySnapshot OR n:Signal OR n:SignalTest OR n:StatusChange OR n:PaperTradeRun
DETACH DELETE n

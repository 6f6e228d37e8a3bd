"""``python -m nexus_graph`` runs the CLI."""

from nexus_graph.cli import main

main()

"""``python -m nexus_graph`` runs the CLI."""

from nexus_graph.cli import main

if __name__ == "__main__":  # not when a spawned process (the demo's background training, DDP) imports it
    main()

"""nexus-graph: point-in-time company knowledge graphs in Neo4j, HGT embeddings, factor research."""

__version__ = "0.1.0"

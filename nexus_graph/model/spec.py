"""Model identity: edge-type naming (forward and ``rev_`` reverse types) and :class:`ModelSpec`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from torch import Tensor

EdgeType = tuple[str, str, str]
REVERSE_PREFIX = "rev_"


def reverse_type(edge_type: EdgeType) -> EdgeType:
    """The reverse edge type used for message passing, e.g. ``(company, rev_supplies, company)``."""
    src, rel, dst = edge_type
    return (dst, f"{REVERSE_PREFIX}{rel}", src)


def with_reverses(edges: dict[EdgeType, Tensor]) -> dict[EdgeType, Tensor]:
    """Forward edge types and, after them, each one's reverse with flipped ``edge_index``.

    Mirrors ``torch_geometric.transforms.ToUndirected(merge=False)``: a reverse edge exists exactly
    where its forward edge does, so an edge removed from ``edges`` is invisible in both directions.
    """
    out = dict(edges)
    for edge_type, index in edges.items():
        out[reverse_type(edge_type)] = index.flip(0)
    return out


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild a model from its ``state_dict`` (stored in ``metadata.json``)."""

    node_dims: dict[str, int]  # node type -> input feature width
    edge_types: list[EdgeType]  # forward edge types of the snapshot, in its order
    predict: list[EdgeType]  # relationship types the decoder scores
    hidden: int = 64
    heads: int = 4
    layers: int = 2
    dropout: float = 0.2

    @property
    def node_types(self) -> list[str]:
        return list(self.node_dims)

    @property
    def message_types(self) -> list[EdgeType]:
        """Forward types then their reverses: the ``HGTConv`` metadata edge types."""
        return list(self.edge_types) + [reverse_type(et) for et in self.edge_types]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict) -> ModelSpec:
        return cls(
            node_dims={k: int(v) for k, v in raw["node_dims"].items()},
            edge_types=[tuple(et) for et in raw["edge_types"]],
            predict=[tuple(et) for et in raw["predict"]],
            hidden=int(raw["hidden"]), heads=int(raw["heads"]), layers=int(raw["layers"]),
            dropout=float(raw["dropout"]),
        )

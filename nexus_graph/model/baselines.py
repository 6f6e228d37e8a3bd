"""Link-prediction baselines: classic pair heuristics and their logistic combination.

The HGT's validation AUC means little alone; these baselines score the SAME validation pairs (the
trainer's :class:`~nexus_graph.model.splits.LinkSplit`) so that every AUC has a yardstick beside it.

Heuristics of a candidate pair ``(u, v)`` of relationship type ``r`` (:data:`FEATURES`), all computed
from the snapshot at a cut date ``c`` and the point-in-time history known at ``c`` -- nothing later:

- ``common_neighbours``: ``|N(u) & N(v)|`` in the undirected projection of the snapshot (every node
  type one node set, every forward edge type one undirected edge, duplicates merged);
- ``adamic_adar``: ``sum over w in N(u) & N(v) of 1 / log(deg w)``;
- ``paths3``: degree-normalised 3-paths ``sum over u-a-b-v of 1 / sqrt(deg a * deg b)`` (the L3 score
  of Kovacs et al. 2019; ``a`` may equal ``v`` and ``b`` may equal ``u`` as in ``(A D^-1/2 A D^-1/2 A)_uv``);
- ``segment_rate``: edges of ``r`` between the group of ``u`` and the group of ``v`` divided by the
  number of present (group of ``u``) x (group of ``v``) pairs; a node's group is its company segment,
  fund type or, for other types, the node type;
- ``source_profile``: share of ``u``'s ``r`` edges whose target is in ``v``'s group (0 without edges);
- ``target_profile``: share of ``v``'s incoming ``r`` edges whose source is in ``u``'s group;
- ``past_link``: 1 iff the pair had an ``r`` interval that had ENDED by ``c`` with the end public by
  ``c`` (``known_from <= c``, ``valid_from <= c``, ``valid_to <= c``, ``end_known_from`` (blank =
  ``valid_to``) ``<= c``), i.e. the history the snapshot drops.

Count-like heuristics enter the regression as ``log1p``. The combination is an L2-penalised logistic
regression per relationship type on standardised features, fitted ONLY on earlier time-forward
windows that end at the training cut: window ``k`` (``k = 0 .. windows-1``) ends at
``cut - k * step`` and starts ``gap`` months earlier, its positives are the relationships that
became known inside it, its negatives drawn as the trainer draws them. Its labels are therefore
all known at the cut; no validation label is ever seen.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import minimize
from torch import Tensor
from torch_geometric.data import HeteroData

from nexus_graph.as_of import ended_mask
from nexus_graph.errors import NexusError
from nexus_graph.model.metrics import roc_auc, weighted_auc
from nexus_graph.model.spec import EdgeType
from nexus_graph.model.splits import LinkSplit, time_forward_split
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.snapshot.tables import GraphTables

FEATURES = ("common_neighbours", "adamic_adar", "paths3", "segment_rate", "source_profile", "target_profile",
            "past_link")
LOG_FEATURES = ("common_neighbours", "adamic_adar", "paths3")  # enter the regression as log1p
_GROUP_COLUMN = {"company": "segment", "fund": "fund_type"}
PATH_BLOCK = 2048  # distinct source rows (and pairs) per block of the 3-path product: bounds its memory


def months_before(date: pd.Timestamp, months: int) -> pd.Timestamp:
    """``date`` minus ``months`` months, month-end aligned when ``date`` is a month-end (as the trainer's cut)."""
    date = pd.Timestamp(date)
    if months == 0:
        return date
    if date.is_month_end:
        return date - pd.offsets.MonthEnd(months)
    return date - pd.DateOffset(months=months)


def ended_pairs(frame: pd.DataFrame, at: pd.Timestamp | str) -> pd.DataFrame:
    """Interval rows of ``frame`` that had ended by ``at`` with their end public by ``at`` (same columns).

    The point-in-time rule of :func:`~nexus_graph.as_of.ended_mask`.
    """
    return frame if len(frame) == 0 else frame.loc[ended_mask(frame, at)]


def node_groups(tables: GraphTables) -> dict[str, np.ndarray]:
    """Per node type, an int group code per row (segment / fund type / the type itself), unique across types."""
    out, offset = {}, 0
    for nt, frame in tables.nodes.items():
        column = _GROUP_COLUMN.get(nt)
        values = frame[column].fillna("unknown").astype(str) if column in frame else pd.Series("", index=frame.index)
        codes, uniques = pd.factorize(values, sort=True)
        out[nt] = codes.astype(np.int64) + offset
        offset += max(len(uniques), 1)
    return out


class HeuristicGraph:
    """Everything the heuristics need at one cut date: projection, degrees, groups, ended pairs.

    Parameters
    ----------
    tables
        All nodes and intervals (rows define the node index, as in every snapshot).
    at
        The cut date; the snapshot and the history are both taken as known at ``at``.
    snapshot
        The snapshot at ``at`` when already built (:func:`~nexus_graph.snapshot.hetero.build_snapshot`).
    edges
        The live edges to use instead of the snapshot's, per relationship type of ``tables`` (e.g. a
        split's ``message_edges``, from which a random split has removed its validation edges).
    """

    def __init__(self, tables: GraphTables, at: pd.Timestamp | str, snapshot: HeteroData | None = None,
                 edges: dict[EdgeType, Tensor] | None = None) -> None:
        self.at = pd.Timestamp(at)
        data = snapshot if snapshot is not None else build_snapshot(tables, self.at)
        self.sizes = {nt: len(frame) for nt, frame in tables.nodes.items()}
        self.offset, total = {}, 0
        for nt, n in self.sizes.items():
            self.offset[nt], total = total, total + n
        self.edges = {tuple(et): data[et].edge_index.numpy() for et in data.edge_types}
        if edges is not None:
            self.edges = {et: edges[et].numpy() for et in tables.edges if et in edges}
        self.adjacency = self._projection(total)
        self.degree = np.asarray(self.adjacency.sum(1)).ravel()
        self.groups = node_groups(tables)
        self.present = {nt: data[nt].present.numpy().astype(bool) if "present" in data[nt]
                        else np.ones(self.sizes[nt], dtype=bool) for nt in self.sizes}
        self.index = {nt: pd.Index(frame.node_id) for nt, frame in tables.nodes.items()}
        self.past = {et: self._ended_keys(tables, et) for et in tables.edges}

    def _projection(self, total: int) -> sp.csr_matrix:
        """Symmetric 0/1 adjacency over all nodes (global rows: type offset + local row)."""
        rows, cols = [], []
        for et, ei in self.edges.items():
            src, dst = ei[0] + self.offset[et[0]], ei[1] + self.offset[et[2]]
            rows += [src, dst]
            cols += [dst, src]
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        keep = r != c  # a self-loop is no path through a neighbour
        a = sp.csr_matrix((np.ones(int(keep.sum())), (r[keep], c[keep])), shape=(total, total))
        a.data[:] = 1.0  # merge duplicates (a pair linked by two relations is one neighbour)
        return a

    def _ended_keys(self, tables: GraphTables, et: EdgeType) -> np.ndarray:
        """Sorted keys ``src * n_dst + dst`` of the pairs with an ended, public interval of ``et`` at the cut."""
        rows = ended_pairs(tables.edges[et], self.at)
        src = self.index[et[0]].get_indexer(rows.source_id)
        dst = self.index[et[2]].get_indexer(rows.target_id)
        keep = (src >= 0) & (dst >= 0)
        return np.unique(src[keep].astype(np.int64) * self.sizes[et[2]] + dst[keep])

    def features(self, et: EdgeType, pairs: Tensor | np.ndarray) -> np.ndarray:
        """Raw heuristics ``[n, len(FEATURES)]`` (float64, :data:`FEATURES` order) of ``pairs`` ``[2, n]``."""
        pairs = pairs.numpy() if isinstance(pairs, Tensor) else np.asarray(pairs)
        u = pairs[0].astype(np.int64) + self.offset[et[0]]
        v = pairs[1].astype(np.int64) + self.offset[et[2]]
        cn, aa, p3 = self._path_scores(u, v)
        rate, src_share, dst_share = self._segment_scores(et, pairs[0].astype(np.int64), pairs[1].astype(np.int64))
        keys = pairs[0].astype(np.int64) * self.sizes[et[2]] + pairs[1].astype(np.int64)
        past = np.isin(keys, self.past.get(et, np.zeros(0, dtype=np.int64))).astype(np.float64)
        return np.stack([cn, aa, p3, rate, src_share, dst_share, past], axis=1)

    def _path_scores(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Common neighbours, Adamic-Adar and degree-normalised 3-paths of global rows ``u``, ``v``.

        The 3-path rows (``a[u] @ h @ a @ h``) are computed once per distinct ``u``, in blocks, and
        gathered per pair: each row is the same product as in one big matrix (the same floats), without
        a dense-ish row held per pair (the scale scenario's 37k validation pairs took 2.2 GiB and 61 s;
        this way +118 MiB and 34 s, the baseline's result identical).
        """
        a = self.adjacency
        with np.errstate(divide="ignore"):
            inv_log = np.where(self.degree > 1, 1.0 / np.log(np.maximum(self.degree, 2)), 0.0)
            inv_sqrt = np.where(self.degree > 0, 1.0 / np.sqrt(np.maximum(self.degree, 1)), 0.0)
        h, w = sp.diags(inv_sqrt), sp.diags(inv_log)
        sources, which = np.unique(u, return_inverse=True)
        cn, aa, p3 = np.zeros(len(u)), np.zeros(len(u)), np.zeros(len(u))
        for first in range(0, len(sources), PATH_BLOCK):
            rows = sources[first:first + PATH_BLOCK]
            paths = (a[rows] @ h @ a @ h).tocsr()
            pairs = np.flatnonzero((which >= first) & (which < first + len(rows)))
            for start in range(0, len(pairs), PATH_BLOCK):
                block = pairs[start:start + PATH_BLOCK]
                au, av = a[u[block]], a[v[block]]
                cn[block] = np.asarray(au.multiply(av).sum(1)).ravel()
                aa[block] = np.asarray((au @ w).multiply(av).sum(1)).ravel()
                p3[block] = np.asarray(paths[which[block] - first].multiply(av).sum(1)).ravel()
        return cn, aa, p3

    def group_tables(self, et: EdgeType) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-group link counts of ``et``: the group-pair link rate ``[G, G]`` (links over possible
        pairs of present nodes), each source row's links by target group ``[N_src, G]`` and each
        target row's links by source group ``[N_dst, G]``."""
        g_src, g_dst = self.groups[et[0]], self.groups[et[2]]
        n_groups = int(max(g.max(initial=-1) for g in self.groups.values())) + 1
        ei = self.edges.get(et, np.zeros((2, 0), dtype=np.int64))
        links = np.zeros((n_groups, n_groups))
        np.add.at(links, (g_src[ei[0]], g_dst[ei[1]]), 1.0)
        n_src = np.bincount(g_src[self.present[et[0]]], minlength=n_groups).astype(np.float64)
        n_dst = np.bincount(g_dst[self.present[et[2]]], minlength=n_groups).astype(np.float64)
        possible = np.outer(n_src, n_dst)
        rate = np.divide(links, possible, out=np.zeros_like(links), where=possible > 0)
        out_by_group = np.zeros((self.sizes[et[0]], n_groups))  # source row x target group
        np.add.at(out_by_group, (ei[0], g_dst[ei[1]]), 1.0)
        in_by_group = np.zeros((self.sizes[et[2]], n_groups))  # target row x source group
        np.add.at(in_by_group, (ei[1], g_src[ei[0]]), 1.0)
        return rate, out_by_group, in_by_group

    def _segment_scores(self, et: EdgeType, src: np.ndarray, dst: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Group-pair link rate and the two endpoint profiles of local rows ``src``, ``dst``."""
        g_src, g_dst = self.groups[et[0]], self.groups[et[2]]
        rate, out_by_group, in_by_group = self.group_tables(et)
        out_deg, in_deg = out_by_group.sum(1), in_by_group.sum(1)
        src_share = np.divide(out_by_group[src, g_dst[dst]], out_deg[src], out=np.zeros(len(src)),
                              where=out_deg[src] > 0)
        dst_share = np.divide(in_by_group[dst, g_src[src]], in_deg[dst], out=np.zeros(len(dst)),
                              where=in_deg[dst] > 0)
        return rate[g_src[src], g_dst[dst]], src_share, dst_share


def regression_inputs(raw: np.ndarray) -> np.ndarray:
    """The regression's inputs from raw heuristics: ``log1p`` of the count-like columns."""
    out = raw.astype(np.float64, copy=True)
    for name in LOG_FEATURES:
        i = FEATURES.index(name)
        out[:, i] = np.log1p(out[:, i])
    return out


@dataclass
class LogisticModel:
    """An L2 logistic regression on standardised inputs: ``sigmoid(((x - mean) / scale) @ coef + intercept)``."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Logits of rows ``x`` ``[n, F]``."""
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> LogisticModel:
    """Minimise mean log-loss + ``l2 / (2 n) * ||coef||^2`` (intercept unpenalised) by L-BFGS.

    ``l2`` plays the role of scikit-learn's ``1 / C``; constant columns get coefficient 0.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape[0] == 0 or len(np.unique(y)) < 2:
        raise NexusError(f"A logistic baseline needs both labels to fit (got {x.shape[0]} rows, labels "
                         f"{sorted(set(y.tolist()))}); use more or longer training windows.")
    mean, scale = x.mean(0), x.std(0)
    scale = np.where(scale > 0, scale, 1.0)
    z = (x - mean) / scale
    n = len(y)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logit = z @ w[:-1] + w[-1]
        p = 1.0 / (1.0 + np.exp(-logit))
        value = np.mean(np.logaddexp(0.0, logit) - y * logit) + l2 / (2 * n) * w[:-1] @ w[:-1]
        grad = np.append(z.T @ (p - y) / n + l2 / n * w[:-1], np.mean(p - y))
        return float(value), grad

    w = minimize(loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B").x
    return LogisticModel(mean=mean, scale=scale, coef=w[:-1], intercept=float(w[-1]))


@dataclass
class BaselineResult:
    """Baseline AUCs on a split's validation pairs, and how the combination was fitted."""

    auc: float  # the logistic combination, weighted over types like the HGT's val_auc
    auc_by_type: dict[str, float]
    heuristic_auc: dict[str, float]  # each single heuristic, weighted over types
    coefficients: dict[str, dict[str, float]]  # per type: feature -> standardised coefficient
    windows: list[str]  # the training windows used, 'start..end'
    train_pairs: dict[str, int]  # per type: labelled pairs the combination was fitted on
    cut: str = ""
    info: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """JSON-ready dict (floats rounded to 4 places)."""
        out = asdict(self)
        out["auc"] = _round(self.auc)
        out["auc_by_type"] = {k: _round(v) for k, v in self.auc_by_type.items()}
        out["heuristic_auc"] = {k: _round(v) for k, v in self.heuristic_auc.items()}
        out["coefficients"] = {t: {k: _round(v) for k, v in c.items()} for t, c in self.coefficients.items()}
        return out


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 4)


def training_windows(tables: GraphTables, cut: pd.Timestamp, predict: list[EdgeType], *, gap_months: int,
                     windows: int, step_months: int, negatives: str, seed: int
                     ) -> list[tuple[pd.Timestamp, pd.Timestamp, LinkSplit]]:
    """The earlier time-forward windows ``(start, end, split)``, ``end = cut - k * step``; empty ones are skipped."""
    out = []
    for k in range(windows):
        end = months_before(cut, k * step_months)
        start = months_before(end, gap_months)
        try:
            split = time_forward_split(build_snapshot(tables, start), build_snapshot(tables, end), predict=predict,
                                       seed=seed + k, negatives=negatives)
        except NexusError:  # nothing became known in this window
            continue
        out.append((start, end, split))
    return out


# one more regression input: (window start date, relationship type, pairs [2, n]) -> column [n]
ExtraInput = Callable[[pd.Timestamp, EdgeType, Tensor], np.ndarray]


def _stack_window_rows(windows: list[tuple[HeuristicGraph, LinkSplit]], et: EdgeType,
                       extra: ExtraInput | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Regression inputs and labels of ``et`` over all windows (features at each window's start), with the
    ``extra`` column last when given."""
    xs, ys = [np.zeros((0, len(FEATURES) + (extra is not None)))], [np.zeros(0)]
    for graph, split in windows:
        pairs = split.val_edges.get(et)
        if pairs is None or pairs.size(1) == 0:
            continue
        x = regression_inputs(graph.features(et, pairs))
        xs.append(x if extra is None else np.column_stack([x, extra(graph.at, et, pairs)]))
        ys.append(split.val_labels[et].numpy().astype(np.float64))
    return np.concatenate(xs), np.concatenate(ys)


def baseline_auc(tables: GraphTables, split: LinkSplit, cut: pd.Timestamp | str, *, gap_months: int = 3,
                 windows: int = 4, step_months: int = 3, l2: float = 1.0) -> BaselineResult:
    """Baseline AUCs on exactly the validation pairs of ``split`` (the trainer's split).

    Parameters
    ----------
    tables
        All nodes and intervals known at the as-of date (e.g. ``read_graph_tables(store, known_until=as_of)``);
        the same tables the split's snapshots were built from, so node rows agree.
    split
        The trainer's :func:`~nexus_graph.model.splits.time_forward_split` (or random) split; its
        ``val_edges``/``val_labels`` are scored, never fitted on. Its ``negatives`` and ``seed`` also
        drive the training windows' negatives.
    cut
        The training cut (``as_of - gap`` for a time-forward split, ``as_of`` for a random one): features
        of the validation pairs use the split's message graph (the live edges the encoder sees, only of
        the relationship types in ``tables``) and the history known at ``cut``.
    gap_months, windows, step_months
        Training windows: ``windows`` windows of ``gap_months`` months ending at ``cut``, ``cut - step``, ...
    l2
        L2 penalty of the logistic combination (scikit-learn's ``1 / C``).

    Returns
    -------
    BaselineResult
        ``auc`` weighted over types by validation positives (as the HGT's ``val_auc``), per-type AUCs,
        each single heuristic's AUC. A type whose windows hold no positive falls back to ``past_link``
        plus ``common_neighbours`` ranking (recorded in ``info["fallback"]``).
    """
    cut = pd.Timestamp(cut)
    fitted = fit_combination(tables, split, cut, gap_months=gap_months, windows=windows, step_months=step_months,
                             l2=l2)
    # the split's own message graph: a random split has removed its validation edges from it
    graph = HeuristicGraph(tables, cut, edges=split.message_edges)
    by_type, single, coefficients, fallback = {}, {}, {}, []
    for et, pairs in split.val_edges.items():
        name = "__".join(et)
        labels = split.val_labels[et].numpy()
        if pairs.size(1) == 0:
            continue
        raw = graph.features(et, pairs)
        score = fitted.decision(et, raw)
        if et in fitted.models:
            coefficients[name] = dict(zip(FEATURES, fitted.models[et].coef.tolist(), strict=True))
        else:
            fallback.append(name)
        n_pos = int((labels > 0.5).sum())
        by_type[name] = (roc_auc(labels, score), n_pos)
        for i, feature in enumerate(FEATURES):
            single.setdefault(feature, {})[name] = (roc_auc(labels, raw[:, i]), n_pos)
    return BaselineResult(
        auc=weighted_auc(by_type), auc_by_type={k: v[0] for k, v in by_type.items()},
        heuristic_auc={f: weighted_auc(v) for f, v in single.items()}, coefficients=coefficients,
        windows=fitted.windows, train_pairs=fitted.train_pairs, cut=f"{cut:%Y-%m-%d}",
        info={"gap_months": gap_months, "step_months": step_months, "l2": l2,
              "negatives": split.info.get("negatives", "degree"), "fallback": fallback},
    )


@dataclass
class FittedCombination:
    """The logistic combination per relationship type, fitted on earlier windows ending at a cut."""

    models: dict[EdgeType, LogisticModel]  # types whose windows held both labels
    windows: list[str]  # 'start..end' of each window used
    train_pairs: dict[str, int]  # per type name: labelled pairs fitted on

    def decision(self, et: EdgeType, raw: np.ndarray, extra_column: np.ndarray | None = None) -> np.ndarray:
        """Baseline logits of pairs with raw heuristics ``raw`` ``[n, len(FEATURES)]``.

        ``extra_column``: the pairs' extra input, for a combination fitted with ``extra``
        (:func:`fit_combination`). A type without a fitted model ranks by ``past_link`` then
        ``common_neighbours`` (the fallback).
        """
        model = self.models.get(et)
        if model is not None:
            x = regression_inputs(raw)
            return model.decision(x if extra_column is None else np.column_stack([x, extra_column]))
        return raw[:, FEATURES.index("past_link")] * 1e6 + raw[:, FEATURES.index("common_neighbours")]


def fit_combination(tables: GraphTables, split: LinkSplit, cut: pd.Timestamp | str, *, gap_months: int = 3,
                    windows: int = 4, step_months: int = 3, l2: float = 1.0,
                    extra: ExtraInput | None = None) -> FittedCombination:
    """Fit the logistic combination of each predicted type of ``split`` on the windows ending at ``cut``.

    Only ``split.predict`` and ``split.info`` (negatives, seed) are read from ``split``: never its
    validation pairs or labels. Arguments as in :func:`baseline_auc`; ``extra`` adds one more input, the
    last column (e.g. the HGT's logit, :mod:`~nexus_graph.model.combined`), computed for each window's
    pairs from the window's start date.
    """
    cut = pd.Timestamp(cut)
    negatives, seed = split.info.get("negatives", "degree"), int(split.info.get("seed", 0))
    found = training_windows(tables, cut, split.predict, gap_months=gap_months, windows=windows,
                             step_months=step_months, negatives=negatives, seed=seed + 1000)
    window_graphs = [(HeuristicGraph(tables, start), window) for start, _, window in found]
    models, train_pairs = {}, {}
    for et in split.predict:
        x_train, y_train = _stack_window_rows(window_graphs, et, extra)
        train_pairs["__".join(et)] = len(y_train)
        if len(np.unique(y_train)) == 2:
            models[et] = fit_logistic(x_train, y_train, l2)
    return FittedCombination(models=models, train_pairs=train_pairs,
                             windows=[f"{start:%Y-%m-%d}..{end:%Y-%m-%d}" for start, end, _ in found])

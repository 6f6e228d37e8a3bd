"""``nexus-graph train``: HGT link prediction on a point-in-time snapshot, gated on validation AUC."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from nexus_graph.cli.common import console, err_console, open_store, parse_date, print_json, progress, warn_beyond_data
from nexus_graph.errors import NexusError, UsageError

ORDER = 50


def _edge_types(values: list[str] | None) -> list[tuple[str, str, str]] | None:
    from nexus_graph import schema

    if not values:
        return None
    out = []
    for value in values:
        spec = schema.RELS_BY_TYPE.get(value.upper()) or next(
            (s for s in schema.REL_SPECS if s.pyg[1] == value.lower() or ",".join(s.pyg) == value), None)
        if spec is None:
            names = ", ".join(s.rel_type for s in schema.REL_SPECS)
            raise UsageError(f"--predict {value!r} is not a relationship type; choose from {names}.")
        out.append(spec.pyg)
    return out


def train(
    asof: str = typer.Option("2023-12-31", "--asof", help="Train on the graph known at this date (YYYY-MM-DD)."),
    gap: int = typer.Option(3, help="Months between the training graph and --asof (time-forward split)."),
    split: str = typer.Option("time", help="'time' (train at asof-gap, validate on what became known by asof) "
                                           "or 'random' (random edge split, reverses held out too)."),
    predict: list[str] = typer.Option(None, help="Relationship type(s) to predict (SUPPLIES, OWNS, SITS_ON); "
                                                 "default all."),
    epochs: int = typer.Option(300, help="Training epochs."),
    hidden: int = typer.Option(64, help="Hidden width (= embedding dimension)."),
    heads: int = typer.Option(4, help="Attention heads."),
    layers: int = typer.Option(2, help="HGTConv layers."),
    dropout: float = typer.Option(0.2, help="Dropout after each layer."),
    lr: float = typer.Option(5e-3, help="Adam learning rate."),
    weight_decay: float = typer.Option(1e-4, help="Adam weight decay."),
    eval_every: int = typer.Option(20, help="Validate every N epochs."),
    seed: int = typer.Option(0, help="Random seed (same seed + data = same weights on CPU)."),
    min_auc: float = typer.Option(0.60, "--min-auc", help="Gate: validation ROC-AUC needed to promote the model."),
    baseline_margin: float = typer.Option(0.0, "--baseline-margin", min=0.0, max=1.0,
                                          help="Gate: the model may trail the heuristic baseline's AUC on the same "
                                               "validation pairs by at most this much."),
    allow_below_baseline: bool = typer.Option(False, "--allow-below-baseline",
                                              help="Promote a model that trails the baseline anyway (recorded)."),
    decoder: str = typer.Option(None, "--decoder", help="bilinear | stacked | combined: the stacked decoder adds the "
                                "heuristic baseline's logit (fitted on earlier windows) as a fixed offset and trains "
                                "the HGT as the residual; combined trains as bilinear, then scores with the baseline's "
                                "logistic plus the HGT's logit as one more input, fitted on the same earlier windows "
                                "(default: combined). Embeddings come from the encoder either way."),
    objective: str = typer.Option(None, "--objective", help="reconstruct | windows | both: train on the visible "
                                  "edges, on the links that became known in the four quarters before the cut "
                                  "(each from its start snapshot), or both (default: TrainConfig's)."),
    mix: str = typer.Option(None, "--mix", help="fixed | fitted (stacked decoder, windows objective): weigh the "
                            "residual by a weight fitted on the most recent window before the cut, which training "
                            "then leaves out (default: TrainConfig's)."),
    select: str = typer.Option(None, "--select", help="last | held-back (with --mix fitted): return the last "
                               "epoch's weights, or the evaluation point whose residual scores the held-back window "
                               "with the lowest log-loss (no validation label is read; default: TrainConfig's)."),
    select_min_z: float = typer.Option(0.0, "--select-min-z", min=0.0,
                                       help="With --select held-back: a residual counts only if its log-loss gain "
                                            "on the held-back window is at least this many standard errors (0: any "
                                            "gain)."),
    device: str = typer.Option("auto", help="auto | cpu | cuda."),
    minibatch: bool = typer.Option(None, "--minibatch/--full-batch",
                                   help="Force mini-batch or full-batch (default: by graph size)."),
    processes: int = typer.Option(1, "--processes",
                                  help="Train the mini-batch path over N processes with torch.distributed "
                                       "(DDP; gloo on CPU, nccl on CUDA with one GPU per process). Spawns N local "
                                       "workers, or, under torchrun, N = WORLD_SIZE ranks."),
    walk_forward: str = typer.Option(None, "--walk-forward", help="MONTHLY | QUARTERLY | YEARLY: train one model "
                                     "per period from --asof to --until, each on data known at its start."),
    until: str = typer.Option(None, "--until", help="Last period start for --walk-forward (YYYY-MM-DD)."),
    models_dir: Path = typer.Option(None, help="Checkpoint folder (default: models/ in the checkout)."),
    label: str = typer.Option(None, "--label", help="A human name for this model version (shown by `models`)."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Train the HGT link predictor; promote it to models/hgt_link_pred.pt only if it passes the gate.

    With --walk-forward, one model per period is trained on what was known at the period start (none
    is promoted); embed each period with its own model: `backfill --model V --start A --end B`."""
    from nexus_graph.model.config import TrainConfig
    from nexus_graph.pipeline.train import train_model
    from nexus_graph.settings import models_dir as default_models_dir

    as_of = parse_date(asof, "--asof")
    if device not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda (got {device!r}).")
    if split not in ("time", "random"):
        raise UsageError(f"--split must be 'time' or 'random' (got {split!r}).")
    from nexus_graph.model.stacking import DECODERS, MIXES, SELECTIONS
    from nexus_graph.model.windows import OBJECTIVES

    if decoder is not None and decoder not in DECODERS:
        raise UsageError(f"--decoder must be one of {', '.join(DECODERS)} (got {decoder!r}).")
    if objective is not None and objective not in OBJECTIVES:
        raise UsageError(f"--objective must be one of {', '.join(OBJECTIVES)} (got {objective!r}).")
    if mix is not None and mix not in MIXES:
        raise UsageError(f"--mix must be one of {', '.join(MIXES)} (got {mix!r}).")
    if select is not None and select not in SELECTIONS:
        raise UsageError(f"--select must be one of {', '.join(SELECTIONS)} (got {select!r}).")
    chosen = {k: v for k, v in (("decoder", decoder), ("objective", objective), ("mix", mix), ("select", select))
              if v is not None}
    wanted = TrainConfig(**chosen)  # the defaults, with what was asked for
    if select_min_z and wanted.select != "held-back":
        raise UsageError(f"--select-min-z guards the held-back selection (got --select {wanted.select}); add "
                         "--select held-back --mix fitted, or leave --select-min-z at 0.")
    if processes > 1 and (wanted.decoder == "stacked" or wanted.objective != "reconstruct"):
        raise UsageError(f"--processes {processes} trains the bilinear decoder on the reconstruct objective only "
                         f"(got --decoder {wanted.decoder} --objective {wanted.objective}); add --decoder bilinear "
                         "--objective reconstruct, or train with one process.")
    minibatch = _processes_minibatch(processes, device, minibatch, walk_forward)
    config = TrainConfig(hidden=hidden, heads=heads, layers=layers, dropout=dropout, lr=lr,
                         weight_decay=weight_decay, epochs=epochs, eval_every=eval_every, seed=seed,
                         min_auc=min_auc, minibatch=minibatch, processes=processes, select_min_z=select_min_z,
                         **chosen)
    if _served_as_worker_rank(device, processes):
        return
    if walk_forward:
        _walk_forward(as_of, walk_forward, until, gap, split, config, device, _edge_types(predict),
                      models_dir or default_models_dir(), json_out)
        return
    with open_store() as store, progress(not json_out) as bar:
        warn_beyond_data(store, asof=as_of)
        task = bar.add_task("train", total=epochs, status="")

        def on_eval(point) -> None:
            bar.update(task, completed=point.epoch, status=f"loss {point.loss:.4f}  val AUC {point.val_auc:.4f}")

        outcome = train_model(store, as_of, models_dir or default_models_dir(), gap_months=gap, split=split,
                              config=config, device=device, predict=_edge_types(predict), on_eval=on_eval,
                              baseline_margin=baseline_margin, allow_below_baseline=allow_below_baseline,
                              label=label)
    summary = outcome.summary()
    if json_out:
        print_json(summary)
    else:
        print_training_summary(summary)
    if outcome.baseline_note() and outcome.passed:
        err_console.print(f"Warning: {outcome.baseline_note()}", markup=False, highlight=False, soft_wrap=True)
    if not outcome.passed:
        reason = (f"validation ROC-AUC {outcome.val_auc:.4f} is below --min-auc {min_auc}"
                  if outcome.val_auc < min_auc else
                  f"{outcome.baseline_note()} Pass --allow-below-baseline to promote it anyway")
        err_console.print(f"Error: {reason}: the model was saved but not promoted.", markup=False, soft_wrap=True)
        raise typer.Exit(1)


def _processes_minibatch(processes: int, device: str, minibatch: bool | None, walk_forward: str | None
                         ) -> bool | None:
    """The --minibatch choice for --processes (checked before connecting); a note when it is switched on."""
    from nexus_graph.model.distributed import check_processes, torchrun_rank

    try:
        check_processes(processes, device, minibatch)
    except NexusError as exc:
        raise UsageError(str(exc)) from None
    if processes > 1 and walk_forward and torchrun_rank() is not None:
        raise UsageError("--walk-forward is not supported under torchrun; run it without torchrun and "
                         f"--processes {processes} spawns the workers of each period.")
    if processes > 1 and minibatch is None:
        launched = torchrun_rank()
        if launched is None or launched.rank == 0:  # one note per run, not one per torchrun rank
            err_console.print(f"Note: --processes {processes} trains the mini-batch path (switched on; "
                              "--minibatch says so explicitly).", markup=False, highlight=False, soft_wrap=True)
        return True
    return minibatch


def _served_as_worker_rank(device: str, processes: int) -> bool:
    """Under torchrun, ranks 1.. train their shard of rank 0's job (they never open the store): True."""
    from nexus_graph.model.distributed import serve_torchrun_rank, torchrun_rank

    launched = torchrun_rank()
    if launched is None or launched.rank == 0:
        return False
    serve_torchrun_rank(device, processes)
    return True


def _walk_forward(as_of, freq: str, until: str | None, gap: int, split: str, config, device: str, predict,
                  models_dir: Path, json_out: bool) -> None:
    """One model per period boundary in [asof, until], none promoted; a table of versions and AUCs."""
    from nexus_graph.model.walk_forward import walk_forward_periods
    from nexus_graph.pipeline.train import walk_forward_step

    if until is None:
        raise UsageError("--walk-forward needs --until (the last period start, YYYY-MM-DD).")
    last = parse_date(until, "--until")
    try:  # checks --walk-forward and --until before connecting
        periods = walk_forward_periods(as_of, last, freq)
    except NexusError as exc:
        raise UsageError(f"--walk-forward: {exc}") from None
    with open_store() as store, progress(not json_out) as bar:
        task = bar.add_task("walk-forward", total=len(periods), status="")
        result = walk_forward_step(
            store, as_of, last, freq, models_dir, gap_months=gap, split=split, config=config, device=device,
            predict=predict,
            on_period=lambda period, o: bar.update(task, advance=1, status=f"{period:%Y-%m-%d} AUC {o.val_auc:.3f}"))
    if json_out:
        print_json(result.summary())
        return
    table = Table("as of", "model version", "val AUC", "baseline AUC", "gate",
                  title=f"Walk-forward ({result.frequency})")
    for row in result.models:
        table.add_row(row["as_of"], row["model_version"], f"{row['val_auc']:.4f}", f"{row['baseline_auc']:.4f}",
                      row["gate"])
    console.print(table)


def print_training_summary(summary: dict) -> None:
    """The training summary block (shared with ``nexus-graph demo``)."""
    table = Table(title="HGT link prediction", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    rows = [
        ("model version", summary["model_version"]), ("as of", summary["as_of"]), ("split", summary["split"]),
        ("parameters", f"{summary['params']:,}" if summary.get("params") else "?"),
        ("BCE loss", f"{summary['loss_start']:.4f} -> {summary['loss_end']:.4f}" if summary.get("loss_end") else "?"),
        ("val AUC trajectory", " ".join(f"{v:.3f}" for v in summary["val_auc_curve"])),
        ("baseline AUC", "?" if summary.get("baseline_auc") is None else
         f"{summary['baseline_auc']:.4f} (heuristics, same validation pairs)"),
        ("gate", f"{summary['gate']} (val AUC {summary['val_auc']:.4f} vs min {summary['min_auc']}"
                 f"{' and the baseline' if summary.get('baseline_auc') is not None else ''})"),
        ("decoder", f"{summary.get('decoder', 'bilinear')}, objective {summary.get('objective', 'reconstruct')}"
                    + ("" if summary.get("residual_weight") is None else
                       f", residual weight {summary['residual_weight']:.3f}")
                    + ("" if summary.get("hgt_weight") is None else
                       f", HGT weight {summary['hgt_weight']:.3f} (HGT alone: val AUC {summary['hgt_auc']:.4f})")),
        ("promoted", str(summary["promoted"])), ("device", str(summary["device"])),
        ("seconds", f"{summary['seconds']:.2f}" if summary.get("seconds") is not None else "?"),
        ("checkpoint", str(summary["dir"])),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("train")(train)

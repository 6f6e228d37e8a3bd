"""Mini-batch training over several processes (torch.distributed, DDP): launch rules and the 2-process run.

The 2-process test spawns two real workers (``gloo`` on CPU, one torch thread each) through the
same entry point the pipeline calls, :func:`nexus_graph.model.train.train_link_predictor`, and
compares the validation AUC with the 1-process mini-batch run on the demo graph. It tests the
distributed mechanics (shards, all-reduced gradients, rank 0's validation), so the two runs differ
only where they must: every step takes every training positive (each rank its shard) and whole
neighbourhoods, without dropout, and only the negatives each rank draws differ. Measured (100
epochs): 0.8651 vs 0.8693 at seed 0, 0.8446 vs 0.8469 at seed 1. With sampled batches and dropout the
seed noise alone moves the AUC by up to 0.04 at this length (0.901 vs 0.857 at 120 epochs).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from nexus_graph.errors import NexusError
from nexus_graph.model import distributed, splits, train
from nexus_graph.model.distributed import Rank, check_processes, shard_edges, torchrun_rank
from nexus_graph.model.trainer import evaluate
from nexus_graph.snapshot.hetero import build_snapshot
from nexus_graph.snapshot.tables import graph_tables_from_dataset
from nexus_graph.sources import demo

SUPPLIES = ("company", "supplies", "company")
OWNS = ("fund", "owns", "company")
EPOCHS = 100  # mini-batch epochs of the 1- vs 2-process comparison
TORCHRUN = {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1", "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "29500"}


def test_shards_partition_each_edge_set() -> None:
    edges = {SUPPLIES: torch.stack([torch.arange(11), torch.arange(11) + 100]), OWNS: torch.zeros(2, 1).long()}
    shards = [shard_edges(edges, rank, 3, seed=0) for rank in range(3)]
    for et, index in edges.items():
        parts = [s[et] for s in shards]
        assert sorted(p.size(1) for p in parts) == sorted([index.size(1) // 3 + (r < index.size(1) % 3)
                                                           for r in range(3)])
        together = torch.cat(parts, 1)
        assert sorted(together[0].tolist()) == sorted(index[0].tolist())
        assert torch.equal(together[1] - together[0], torch.full_like(together[0], 100 if et == SUPPLIES else 0))
    assert torch.equal(shard_edges(edges, 1, 3, seed=0)[SUPPLIES], shards[1][SUPPLIES])  # seeded


def test_torchrun_variables_name_the_rank() -> None:
    assert torchrun_rank({}) is None
    assert torchrun_rank(TORCHRUN) == Rank(1, 2, 1, "env://")
    with pytest.raises(NexusError, match=r"variables \['MASTER_ADDR', 'MASTER_PORT'\] are not set"):
        torchrun_rank({"RANK": "0", "WORLD_SIZE": "2"})


def test_process_counts_the_run_cannot_honour_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    check_processes(1, "cuda", False, env={})
    check_processes(2, "cpu", None, env={})
    with pytest.raises(NexusError, match=r"^--processes must be at least 1 \(got 0\)\.$"):
        check_processes(0, env={})
    with pytest.raises(NexusError, match="but --full-batch was given; drop --full-batch"):
        check_processes(2, "cpu", False, env={})
    with pytest.raises(NexusError, match=r"needs 2 GPUs on this machine \(nccl, one GPU per process\) but torch "
                                         r"sees 1; use --device cpu \(gloo\)"):
        check_processes(2, "cuda", None, env={})
    with pytest.raises(NexusError, match="started by torchrun with WORLD_SIZE=2 but --processes is 4; pass "
                                         "--processes 2"):
        check_processes(4, "cpu", None, env=TORCHRUN)


def test_auto_device_is_cuda_only_with_a_gpu_per_local_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert distributed.worker_device_type("auto", 2) == "cpu"
    assert distributed.worker_device_type("auto", 1) == "cuda"
    assert distributed.worker_device_type("cpu", 2) == "cpu"
    assert distributed.backend_for(torch.device("cpu")) == "gloo"
    assert distributed.backend_for(torch.device("cuda", 0)) == "nccl"


@pytest.mark.slow
def test_two_processes_reach_the_val_auc_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    tables = graph_tables_from_dataset(demo.generate())
    graph = build_snapshot(tables, "2023-09-30")
    split = splits.time_forward_split(graph, build_snapshot(tables, demo.REFERENCE_DATE))
    results, points = {}, []
    for processes in (1, 2):
        config = train.TrainConfig(seed=0, epochs=EPOCHS, eval_every=EPOCHS // 2, minibatch=True, processes=processes,
                                   batch_size=4096, fanout=(1000, 1000), dropout=0.0)
        results[processes] = train.train_link_predictor(graph, split, config, device="cpu",
                                                        on_eval=points.append if processes == 2 else None)
    one, two = results[1], results[2]
    assert two.mode == "mini-batch" and two.config.processes == 2 and two.device == "cpu"
    assert [p.epoch for p in points] == [EPOCHS // 2, EPOCHS]  # rank 0's validations reach the caller
    assert points[-1].val_auc == two.val_auc
    assert one.val_auc >= 0.80, one.val_auc  # both learnt something, so the comparison means something
    assert abs(two.val_auc - one.val_auc) <= 0.01, (one.val_auc, two.val_auc)
    # the returned weights are the ones rank 0 validated
    z = train.embed(two.model, graph, device="cpu")
    assert evaluate(two.model, z, split)[0] == pytest.approx(two.val_auc, abs=1e-4)



TORCHRUN_SCRIPT = textwrap.dedent("""
    import json, sys
    from nexus_graph.model import distributed, splits, synthetic, train

    me = distributed.torchrun_rank()
    if me.rank == 0:  # only rank 0 builds the graph (in the CLI: reads Neo4j)
        shape = synthetic.BlockModelShape(companies=40, funds=6, directors=6, segments=4, supplies=100, owns=60,
                                          sits_on=12, fund_segments=1, growth=0.3)
        earlier, later = synthetic.block_model_snapshots(shape, seed=0)
        split = splits.time_forward_split(earlier, later, seed=0)
        config = train.TrainConfig(epochs=4, eval_every=2, minibatch=True, processes=2, batch_size=32)
        result = train.train_link_predictor(earlier, split, config, device="cpu")
        with open(sys.argv[1], "w") as out:
            json.dump({"epochs": [p.epoch for p in result.curve], "mode": result.mode,
                       "processes": result.config.processes}, out)
    else:
        distributed.serve_torchrun_rank("cpu", 2)  # receives the job from rank 0
""")


@pytest.mark.slow
def test_torchrun_ranks_train_the_job_rank_zero_broadcasts(tmp_path: Path) -> None:
    script, out = tmp_path / "job.py", tmp_path / "result.json"
    script.write_text(TORCHRUN_SCRIPT, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
                          "--master-port", str(distributed._free_port()), str(script), str(out)],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(out.read_text(encoding="utf-8")) == {"epochs": [2, 4], "mode": "mini-batch", "processes": 2}


def test_train_switches_the_minibatch_path_on_for_several_processes_with_a_note(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from nexus_graph.cli.train_cmd import _processes_minibatch

    for name in ("RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    assert _processes_minibatch(1, "cpu", None, None) is None
    assert _processes_minibatch(2, "cpu", True, None) is True
    assert capsys.readouterr().err == ""
    assert _processes_minibatch(2, "cpu", None, None) is True
    note = "Note: --processes 2 trains the mini-batch path (switched on; --minibatch says so explicitly)."
    assert " ".join(capsys.readouterr().err.split()) == note

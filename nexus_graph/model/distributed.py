"""Mini-batch training over several processes: ``torch.distributed`` with DistributedDataParallel.

How it runs
-----------
``TrainConfig(processes=N)`` with ``N > 1`` makes :func:`nexus_graph.model.train.train_link_predictor`
call :func:`train_distributed`. Each of the N workers (ranks) holds the whole training snapshot and
split, builds the same model (same seed; DDP also broadcasts rank 0's weights), and trains the
mini-batch path on its own shard of the training positives (:func:`shard_edges`: rank ``r`` takes
every N-th edge of a seeded permutation), drawing ``ceil(batch_size / N)`` of them per step with its
own negatives and neighbour samples. One step of N workers thus sees about the batch one process
would; DDP averages the gradients over the ranks, so every rank keeps identical weights. Rank 0
validates on the full graph every ``eval_every`` epochs and returns the :class:`TrainResult`.

Two ways to start the workers:

- **Local** (default): the calling process saves the snapshot and split once to a temporary file and
  spawns N workers with ``torch.multiprocessing``; rank 0 sends its validation points back through a
  queue (progress bars) and its result through a file. Workers never talk to Neo4j.
- **torchrun**: when ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` are set (see
  :func:`torchrun_rank`), this process is one rank. Rank 0 runs the pipeline (it alone reads Neo4j)
  and broadcasts the snapshot and split to the other ranks over the process group; the other ranks
  call :func:`serve_torchrun_rank` instead of the pipeline and write nothing.

Backends: ``gloo`` on CPU, ``nccl`` on CUDA with one GPU per process (``LOCAL_RANK`` picks it).
Threads: one torch thread per worker unless ``TrainConfig.threads`` says otherwise. DDP runs with
``find_unused_parameters`` (a sampled subgraph may lack an edge type, whose parameters then sit the
step out); local workers start with ``TORCH_CPP_LOG_LEVEL=ERROR`` so that DDP's notice about it stays
quiet, under torchrun the launcher's environment decides.
"""

from __future__ import annotations

import math
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import Tensor
from torch.nn.parallel import DistributedDataParallel
from torch_geometric.data import HeteroData

from nexus_graph.errors import NexusError
from nexus_graph.model.config import TrainConfig
from nexus_graph.model.spec import EdgeType
from nexus_graph.model.splits import LinkSplit
from nexus_graph.model.trainer import Trainer, intra_op_threads, threads_for

# the training loop of nexus_graph.model.train (which calls this module, so this one cannot import
# it): (trainer, config, split, started, on_eval, on_epoch) -> TrainResult, with on_eval(CurvePoint)
Loop = Callable[[Trainer, TrainConfig, LinkSplit, float, Callable[[Any], None] | None, None], Any]
LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
SEED_STRIDE = 1_000_003  # rank r draws batches, negatives and neighbours from seed + r * stride


@dataclass(frozen=True)
class Rank:
    """One worker's place in the process group and how to reach the others."""

    rank: int
    world_size: int
    local_rank: int  # GPU index on its machine
    init_method: str  # "env://" under torchrun, "tcp://127.0.0.1:<port>" for local workers


def torchrun_rank(env: Mapping[str, str] | None = None) -> Rank | None:
    """This process's rank when a launcher such as ``torchrun`` started it; None when it did not."""
    env = os.environ if env is None else env
    if "RANK" not in env and "WORLD_SIZE" not in env:
        return None
    missing = [name for name in LAUNCH_VARIABLES if not env.get(name)]
    if missing:
        raise NexusError(f"torch.distributed launch variables {missing} are not set (torchrun sets "
                         f"{', '.join(LAUNCH_VARIABLES)}); start the workers with torchrun, or unset RANK and "
                         "WORLD_SIZE to let --processes spawn local workers.")
    rank = int(env["RANK"])
    return Rank(rank, int(env["WORLD_SIZE"]), int(env.get("LOCAL_RANK", rank)), "env://")


def local_processes(processes: int, env: Mapping[str, str] | None = None) -> int:
    """Workers on this machine: torchrun's ``LOCAL_WORLD_SIZE``, else ``processes``."""
    env = os.environ if env is None else env
    return int(env.get("LOCAL_WORLD_SIZE", processes)) if torchrun_rank(env) else processes


def check_processes(processes: int, device: str = "auto", minibatch: bool | None = None,
                    env: Mapping[str, str] | None = None) -> None:
    """Refuse a process count the run cannot honour, saying which flag to change."""
    if processes < 1:
        raise NexusError(f"--processes must be at least 1 (got {processes}).")
    launched = torchrun_rank(env)
    if launched is not None and launched.world_size != processes:
        raise NexusError(f"This process was started by torchrun with WORLD_SIZE={launched.world_size} but "
                         f"--processes is {processes}; pass --processes {launched.world_size}.")
    if processes == 1:
        return
    if minibatch is False:
        raise NexusError(f"--processes {processes} trains the mini-batch path over several processes, but "
                         "--full-batch was given; drop --full-batch (or pass --minibatch).")
    needed, gpus = local_processes(processes, env), torch.cuda.device_count()
    if device == "cuda" and gpus < needed:
        raise NexusError(f"--processes {processes} with --device cuda needs {needed} GPUs on this machine "
                         f"(nccl, one GPU per process) but torch sees {gpus}; use --device cpu (gloo) or "
                         "fewer processes.")


def worker_device_type(device: str, processes: int) -> str:
    """``cuda`` or ``cpu`` for every worker: ``auto`` is CUDA only when each local worker gets a GPU."""
    check_processes(processes, device)
    if device not in ("auto", "cpu", "cuda"):
        raise NexusError(f"Unknown device {device!r}; expected auto, cpu or cuda.")
    if device == "auto":
        enough = torch.cuda.is_available() and torch.cuda.device_count() >= local_processes(processes)
        return "cuda" if enough else "cpu"
    return device


def backend_for(device: torch.device) -> str:
    """The collective backend: ``nccl`` for CUDA tensors, ``gloo`` for CPU tensors."""
    return "nccl" if device.type == "cuda" else "gloo"


def shard_edges(edges: dict[EdgeType, Tensor], rank: int, world_size: int, seed: int
                ) -> dict[EdgeType, Tensor]:
    """Rank ``rank``'s share of each ``[2, E]`` edge set: every ``world_size``-th of a seeded permutation.

    The shards of ranks ``0 .. world_size - 1`` partition each edge set (sizes differ by at most one).
    """
    out = {}
    for et, index in edges.items():
        order = torch.randperm(index.size(1), generator=torch.Generator().manual_seed(seed))
        out[et] = index[:, order[rank::world_size].to(index.device)]
    return out


class ShardTrainer(Trainer):
    """A :class:`Trainer` on one rank: its shard of the positives, its own draws, DDP over the step."""

    def __init__(self, data: HeteroData, split: LinkSplit, config: TrainConfig, device: torch.device,
                 rank: int, world_size: int) -> None:
        per_rank = replace(config, minibatch=True, batch_size=max(1, math.ceil(config.batch_size / world_size)))
        super().__init__(data, split, per_rank, device)  # the model is initialised from config.seed
        torch.manual_seed(config.seed + SEED_STRIDE * rank)  # dropout masks differ per rank
        self.gen.manual_seed(config.seed + SEED_STRIDE * rank)  # so do batches, negatives, neighbours
        self.train_pos = shard_edges(self.train_pos, rank, world_size, config.seed)
        # some parameters sit out a step (an edge type absent from the sampled subgraph)
        self.scorer = DistributedDataParallel(self.scorer, find_unused_parameters=True)


@dataclass
class _Job:
    """What every worker needs: the snapshot, the split, the configuration, the device type and the loop."""

    data: HeteroData
    split: LinkSplit
    config: TrainConfig
    device_type: str
    loop: Loop  # pickled by reference (a module-level function)


def train_distributed(data: HeteroData, split: LinkSplit, config: TrainConfig, loop: Loop, device: str = "auto",
                      on_eval: Callable[[Any], None] | None = None) -> Any:
    """Train the mini-batch path on ``config.processes`` workers; rank 0's result (see the module docstring).

    :func:`nexus_graph.model.train.train_link_predictor` calls this with its own training loop
    (``loop``), which rank 0 runs and whose :class:`~nexus_graph.model.train.TrainResult` comes back;
    call that function rather than this one. Under torchrun this process must be rank 0 (the other
    ranks run :func:`serve_torchrun_rank`); otherwise it spawns ``config.processes`` local workers
    and waits for them. ``result.seconds`` is the wall time seen by this process, worker start-up
    included.
    """
    check_processes(config.processes, device, config.minibatch)
    job = _Job(data, split, config, worker_device_type(device, config.processes), loop)
    launched = torchrun_rank()
    if launched is None:
        return _spawn(job, on_eval)
    if launched.rank != 0:
        raise NexusError(f"Rank {launched.rank} must not run the pipeline; it serves rank 0 through "
                         "serve_torchrun_rank() (the `train` command does this by itself).")
    started = time.perf_counter()
    with _process_group(launched, job.device_type) as dev:
        dist.broadcast_object_list([job], src=0, device=dev)
        result = _train_rank(launched, job, dev, on_eval)
    assert result is not None
    result.seconds = time.perf_counter() - started
    return result


def serve_torchrun_rank(device: str, processes: int) -> None:
    """A non-zero torchrun rank: receive the job from rank 0, train its shard, return (writes nothing)."""
    launched = torchrun_rank()
    if launched is None or launched.rank == 0:
        raise NexusError("serve_torchrun_rank() is for ranks 1.. of a torchrun launch (RANK >= 1).")
    with _process_group(launched, worker_device_type(device, processes)) as dev:
        received: list[Any] = [None]
        dist.broadcast_object_list(received, src=0, device=dev)
        _train_rank(launched, received[0], dev, None)


@contextmanager
def _process_group(rank: Rank, device_type: str) -> Iterator[torch.device]:
    """Join the process group on this rank's device; leave it afterwards."""
    dev = torch.device("cuda", rank.local_rank) if device_type == "cuda" else torch.device("cpu")
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    dist.init_process_group(backend_for(dev), init_method=rank.init_method, rank=rank.rank,
                            world_size=rank.world_size)
    try:
        yield dev
    finally:
        dist.destroy_process_group()


def _train_rank(rank: Rank, job: _Job, dev: torch.device, on_eval: Callable[[Any], None] | None) -> Any:
    """Train this rank's shard; rank 0 also validates and returns the result, the others return None."""
    config = job.config
    started = time.perf_counter()
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(config.seed)
        trainer = ShardTrainer(job.data, job.split, config, dev, rank.rank, rank.world_size)
        with intra_op_threads(threads_for(config.threads)):
            if rank.rank == 0:
                return job.loop(trainer, config, job.split, started, on_eval, None)
            for _ in range(config.epochs * config.steps_per_epoch):
                trainer.step()
    return None


def _spawn(job: _Job, on_eval: Callable[[Any], None] | None) -> Any:
    """Spawn ``processes`` local workers, relay rank 0's validation points, return its result."""
    started = time.perf_counter()
    world = job.config.processes
    context = mp.get_context("spawn")
    points = context.SimpleQueue()
    with tempfile.TemporaryDirectory(prefix="nexus-graph-ddp-") as tmp:
        job_file, result_file = Path(tmp) / "job.pt", Path(tmp) / "result.pt"
        torch.save(job, job_file)  # the snapshot crosses to the workers once, as a file
        with _worker_environment():
            workers = mp.start_processes(_local_worker, nprocs=world, join=False, start_method="spawn",
                                         args=(world, f"tcp://127.0.0.1:{_free_port()}", str(job_file),
                                               str(result_file), points))
        try:
            while not workers.join(timeout=0.2):
                _relay(points, on_eval)
        except (mp.ProcessRaisedException, mp.ProcessExitedException) as exc:
            raise NexusError(f"A training worker failed: {_last_line(str(exc))}") from None
        _relay(points, on_eval)
        result = torch.load(result_file, weights_only=False)
    result.seconds = time.perf_counter() - started
    return result


@contextmanager
def _worker_environment() -> Iterator[None]:
    """Environment the spawned workers start with (they copy it): torch's C++ notices at ERROR only.

    ``find_unused_parameters`` makes DDP print a multi-line performance notice on every rank when a
    step happens to use every parameter; it is not an error (a later step may skip an edge type).
    A level the caller set is kept.
    """
    before = os.environ.get("TORCH_CPP_LOG_LEVEL")
    os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "ERROR")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TORCH_CPP_LOG_LEVEL", None)


def _local_worker(rank: int, world: int, init_method: str, job_file: str, result_file: str, points: Any) -> None:
    """Entry point of a spawned worker (module level, so that ``spawn`` can import it)."""
    job: _Job = torch.load(job_file, weights_only=False)
    me = Rank(rank, world, rank, init_method)
    with _process_group(me, job.device_type) as dev:
        result = _train_rank(me, job, dev, points.put if rank == 0 else None)
    if result is not None:
        result.model.cpu()
        torch.save(result, result_file)


def _relay(points: Any, on_eval: Callable[[Any], None] | None) -> None:
    """Hand the validation points rank 0 has sent so far to ``on_eval``."""
    while not points.empty():
        point = points.get()
        if on_eval is not None:
            on_eval(point)


def _free_port() -> int:
    """A TCP port free on the loopback interface right now (for the workers' rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _last_line(text: str) -> str:
    """The last non-empty line of a worker's traceback (its exception)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else text

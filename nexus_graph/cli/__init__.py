"""The ``nexus-graph`` command line: parse -> settings -> pipeline -> print.

Each command (group) lives in its own ``*_cmd`` module with ``ORDER`` and ``register(app)``; errors the user can
act on (:class:`~nexus_graph.errors.NexusError`) print ``Error: ...`` to stderr and exit 1.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings

import typer

# torch_geometric imports torch.jit.script at import time, which warns on every command
warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\..*")

from nexus_graph.errors import NexusError  # noqa: E402  (after the warnings filter)

app = typer.Typer(
    name="nexus-graph",
    help="Point-in-time company knowledge graphs in Neo4j: load, snapshot, train HGT, embed, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    """Import every ``*_cmd`` module of this package and register it, in data-flow ``ORDER``."""
    modules = [
        importlib.import_module(f"nexus_graph.cli.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name.endswith("_cmd")
    ]
    for module in sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__)):
        module.register(app)


_register_commands()


def main() -> None:
    """Entry point: typer handles usage errors (exit 2); NexusError prints ``Error: ...`` and exits 1."""
    try:
        app()
    except NexusError as exc:
        from nexus_graph.cli.common import err_console

        err_console.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        print("Aborted.", file=sys.stderr)
        sys.exit(130)

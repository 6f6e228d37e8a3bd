"""The ``nexus-graph`` command line: parse -> settings -> pipeline -> print.

Each command (group) lives in its own ``*_cmd`` module with ``ORDER`` and ``register(app)``. Every error is
one line ``Error: ...`` on stderr: a bad argument (typer's own checks, or
:class:`~nexus_graph.errors.UsageError`) exits 2 before anything is read or written; any other
error the user can act on (:class:`~nexus_graph.errors.NexusError`) exits 1.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings

import typer

# torch_geometric imports torch.jit.script at import time, which warns on every command
warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\..*")

from nexus_graph.errors import NexusError, UsageError  # noqa: E402  (after the warnings filter)

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
    """Entry point: one ``Error: ...`` line on stderr; exit 2 for a bad argument, 1 for other errors."""
    from nexus_graph.cli.common import err_console

    def fail(message: str, code: int) -> None:
        err_console.print(f"Error: {message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(code)

    try:
        code = app(standalone_mode=False)
    except UsageError as exc:
        fail(str(exc), 2)
    except NexusError as exc:
        fail(str(exc), 1)
    except typer.TyperException as exc:  # typer's argument parsing: missing argument, bad value, unknown option
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help was printed already
            sys.exit(2)
        ctx = getattr(exc, "ctx", None)
        hint = f" See `{ctx.command_path} --help`." if ctx is not None else ""
        fail(exc.format_message().rstrip(".") + "." + hint, getattr(exc, "exit_code", 2))
    except typer.Abort:
        fail("Aborted.", 1)
    except KeyboardInterrupt:
        print("Aborted.", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)

"""Errors the CLI reports as one line ``Error: <message>``: exit code 2 for a bad argument, 1 otherwise."""

from __future__ import annotations


class NexusError(Exception):
    """A failure a user can act on: the message says what, where, and what to do."""


class UsageError(NexusError):
    """A bad command-line argument, found before anything is read or written (exit code 2)."""


class ServerUnavailable(NexusError):
    """Neo4j does not answer on the configured URI."""


class KeyTaken(NexusError):
    """A ``CREATE`` met a node whose unique key is already in the graph (another writer got there first).

    The fast writes create the nodes of a date that held none when the write began; this error tells
    the writer to run the date again as an upsert (``MERGE``). Nothing of the failed transaction was
    committed.
    """


class ValidationFailed(NexusError):
    """Input data broke the dataset contract; ``problems`` lists every finding."""

    def __init__(self, problems: list[str], total: int | None = None) -> None:
        self.problems = problems
        self.total = len(problems) if total is None else total
        shown = "\n".join(f"  {p}" for p in problems)
        more = f"\n  ... and {self.total - len(problems)} more" if self.total > len(problems) else ""
        super().__init__(f"{self.total} problem(s) in the dataset; nothing was written:\n{shown}{more}")


class InvalidFile(UsageError):
    """An input file given on the command line broke its contract (exit code 2); nothing was written.

    ``problems`` lists the findings shown (one line each: file, line or row, column, value, what to do).
    """

    def __init__(self, file: str, problems: list[str], total: int | None = None) -> None:
        self.problems = problems
        self.total = len(problems) if total is None else total
        shown = "\n".join(f"  {p}" for p in problems)
        more = f"\n  ... and {self.total - len(problems)} more" if self.total > len(problems) else ""
        super().__init__(f"{self.total} problem(s) in {file}; nothing was written:\n{shown}{more}")

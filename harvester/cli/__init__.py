"""The `harvester` command: parse options, call one library function, report.

Library errors become one-sentence messages here, and only here; --verbose adds tracebacks.
"""

from __future__ import annotations

from harvester.cli import harvesting, indexing, serving  # noqa: F401 - registers the commands
from harvester.cli.common import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli.main(prog_name="harvester")

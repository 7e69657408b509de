"""The `harvester` command: parse options, call one library function, report.

Library errors become one-sentence messages here, and only here; --verbose adds tracebacks.
"""

from __future__ import annotations

import sys

import click

from harvester.cli import harvesting, indexing, serving  # noqa: F401 - registers the commands
from harvester.cli.common import Exit, cli

__all__ = ["cli", "main"]


def main() -> None:
    try:
        cli.main(standalone_mode=False, prog_name="harvester")
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(Exit.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(Exit.USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(Exit.OK)

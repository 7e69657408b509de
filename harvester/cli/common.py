"""Shared pieces of the command line: the group, exit statuses, options, error reporting."""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from harvester import __version__
from harvester.config import default_config_path, load_config, load_config_or_defaults
from harvester.errors import BadArgument, ConfigError, HarvesterError, IndexUnusable, LockHeld
from harvester.models import Config, RunResult, Source


class Exit(IntEnum):
    """Exit statuses cron jobs can rely on."""

    OK = 0
    FAILED = 1
    USAGE = 2
    LOCKED = 75
    INTERRUPTED = 130


F = TypeVar("F", bound=Callable[..., Any])


def config_options(func: F) -> F:
    """--config and --db: flag > HARVESTER_CONFIG / HARVESTER_DB > file > default."""
    func = click.option(
        "--db",
        "database",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Index file (default: $HARVESTER_DB, the config's `database`, or harvest.db).",
    )(func)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Config file (default: $HARVESTER_CONFIG or config/sources.toml).",
    )(func)


def output_options(func: F) -> F:
    func = click.option("-q", "--quiet", is_flag=True, help="Print only errors (for cron).")(func)
    return click.option(
        "-v", "--verbose", is_flag=True, help="Log every request; tracebacks on errors."
    )(func)


class HarvesterGroup(click.Group):
    """The command group; a usage error is one line naming the command, not a usage screen."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
            hint = f" (see {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
            click.echo(f"Error: {where}{exc.format_message()}{hint}", err=True)
            sys.exit(Exit.USAGE)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("Interrupted.", err=True)
            sys.exit(Exit.INTERRUPTED)
        except Exception as exc:  # a bug: still one line, the traceback only when asked for
            argv = sys.argv[1:] if args is None else list(args)
            if "--verbose" in argv or "-v" in argv:
                traceback.print_exc()
            click.echo(
                f"Error: unexpected {type(exc).__name__}: {exc} "
                "(run again with --verbose for the details, and please report it)",
                err=True,
            )
            sys.exit(Exit.FAILED)
        sys.exit(Exit.OK)


@click.group(
    name="harvester", cls=HarvesterGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="harvester")
def cli() -> None:
    """Harvest OAI-PMH catalogues of the Silk Road library alliance into one SQLite index."""


# -- helpers -----------------------------------------------------------------------------


def fail(message: str, status: Exit, verbose: bool = False) -> NoReturn:
    if verbose:
        traceback.print_exc()
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


def setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)


def load_or_defaults(
    config_path: Path | None, database: Path | None, *, required: bool = True
) -> Config:
    """The config, or (for read-only commands without a config file) defaults."""
    if required:
        return load_config(config_path or default_config_path(), database=database)
    return load_config_or_defaults(config_path, database=database)


def select_sources(config: Config, names: Sequence[str]) -> list[Source]:
    if not names:
        return [s for s in config.sources if s.enabled]
    unknown = [n for n in names if config.source(n) is None]
    if unknown:
        known = ", ".join(s.name for s in config.sources) or "none"
        raise ConfigError(f"{config.path}: no source named {', '.join(unknown)} (known: {known})")
    return [s for s in config.sources if s.name in names]


@contextmanager
def user_errors(verbose: bool) -> Iterator[None]:
    try:
        yield
    except (BadArgument, ConfigError, IndexUnusable) as exc:
        fail(str(exc), Exit.USAGE, verbose)
    except LockHeld as exc:
        fail(str(exc), Exit.LOCKED, verbose)
    except HarvesterError as exc:
        fail(str(exc), Exit.FAILED, verbose)


class ProgressLine:
    """A live line of records and pages per source, redrawn in place within the terminal width.

    The line is cut to the width (never wrapped, which leaves half-lines behind) and erased
    when the run ends, so the summary lines start on a clean line.
    """

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, int]] = {}
        self.lock = threading.Lock()

    def __call__(self, source: str, pages: int, records: int) -> None:
        with self.lock:
            self.counts[source] = (pages, records)
            parts = [
                f"{n}: {plural(r, 'record')}, {plural(p, 'page')}"
                for n, (p, r) in self.counts.items()
            ]
            line = "\r" + fit(" | ".join(parts), _width()) + ERASE_LINE
            click.echo(line, nl=False, err=True, color=True)

    def close(self) -> None:
        if self.counts:
            click.echo("\r" + ERASE_LINE, nl=False, err=True, color=True)


ERASE_LINE = "\x1b[K"  # erase from the cursor to the end of the line


def _width() -> int:
    return shutil.get_terminal_size((80, 24)).columns


def fit(line: str, width: int) -> str:
    """The line cut to `width - 1` columns (the last column would wrap on some terminals)."""
    room = max(width - 1, 1)
    return line if len(line) <= room else line[: max(room - 1, 0)] + "…"


@contextmanager
def stop_on_signal() -> Iterator[threading.Event]:
    """First Ctrl-C (or SIGTERM) asks workers to stop after the current page commits."""
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        if signum == signal.SIGINT:
            message = "Stopping after the current page; press Ctrl-C again to quit."
        else:
            message = f"Stopping after the current page ({signal.Signals(signum).name})."
        erase = "\r" + ERASE_LINE if sys.stderr.isatty() else ""  # over the live line
        click.echo(erase + message, err=True, color=True)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def summary_line(result: RunResult) -> str:
    """One line per source; a source that failed before its first page says only why."""
    if result.error and not result.pages and result.status != "ok":
        return f"{result.source}: {result.status}: {result.error}"
    text = (
        f"{result.source}: {result.status}, {plural(result.pages, 'page')}, "
        f"{result.received:,} received "
        f"({result.added:,} new, {result.updated:,} updated, {result.deleted:,} deleted)"
    )
    if result.repairs:
        text += f", {plural(result.repairs, 'character')} repaired"
    if result.error:
        text += f" - {result.error}"
    return text


def exit_status(results: Sequence[RunResult]) -> Exit:
    if any(r.status == "interrupted" for r in results):
        return Exit.INTERRUPTED
    if any(r.status != "ok" for r in results):
        return Exit.FAILED
    return Exit.OK

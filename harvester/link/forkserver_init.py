"""Imported first by the fork server when `link --full` starts it, and nowhere else.

A terminal sends SIGINT to the whole process group; `link --full` stops its workers and rolls
back itself. The fork server restores, in every worker it forks, the SIGINT handler it had
before its own start-up, so ignoring it here covers a worker from its first instruction.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

import harvester.link.whole  # noqa: E402,F401  (after the handler, on purpose: what workers run)

"""Imported first by the fork server of the page pool, and nowhere else: ignore Ctrl-C.

A terminal sends SIGINT to the whole process group; the harvester commits the page under way
and stops the pool itself. The fork server restores, in every worker it forks, the SIGINT
handler it had before its own start-up, so ignoring it here (before that point) covers a
worker from its first instruction, not only from its initializer on.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

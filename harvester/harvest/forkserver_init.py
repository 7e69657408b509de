"""Imported first by the fork server of the page pool, and nowhere else: ignore Ctrl-C, then
build the normaliser's tables once for every worker the server forks.

A terminal sends SIGINT to the whole process group; the harvester commits the page under way
and stops the pool itself. The fork server restores, in every worker it forks, the SIGINT
handler it had before its own start-up, so ignoring it here (before that point) covers a
worker from its first instruction, not only from its initializer on.
"""

import logging
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

from harvester.harvest.work import warm  # noqa: E402  (after the handler, on purpose)

try:
    warm()
except Exception:  # a worker builds what it needs on its first page instead
    logging.getLogger(__name__).debug("warming the fork server failed", exc_info=True)

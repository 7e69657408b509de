"""Exporting: pure writers per format (``writers``) and the run that selects records from the
index and writes them to a file atomically (``run``)."""

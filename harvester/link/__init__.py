"""Linking the same work across members: match keys (``keys``), clusters from shared keys
(``clusters``), both pure; the batched run over the index (``run``)."""

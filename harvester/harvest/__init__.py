"""Harvesting: plan the windows (``plan``), drive each source (``run``), overlap fetch, normalise
and write (``pipeline``), and re-normalise stored records offline (``renormalise``)."""

"""silkroad-harvester: harvest OAI-PMH Dublin Core catalogues into one SQLite index."""

__version__ = "0.1.0"

"""silkroad-harvester: harvest OAI-PMH Dublin Core catalogues into one SQLite index.

The library API is importable from here; each name is loaded on first use so that the command
line starts fast::

    from harvester import load_config, Store, harvest_all
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it
_API = {
    "load_config": "harvester.config",
    "Config": "harvester.models",
    "Source": "harvester.models",
    "Settings": "harvester.models",
    "Record": "harvester.models",
    "RunResult": "harvester.models",
    "HarvesterError": "harvester.errors",
    "ConfigError": "harvester.errors",
    "Store": "harvester.store",
    "HarvestOptions": "harvester.harvest.plan",
    "harvest_all": "harvester.harvest.run",
    "harvest_source": "harvester.harvest.run",
    "renormalise_sources": "harvester.harvest.renormalise",
    "link_index": "harvester.link.run",
    "ExportRequest": "harvester.export.run",
    "write_export": "harvester.export.run",
    "OAIClient": "harvester.oai.client",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'harvester' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""The import-boundary table of DESIGN.md, kept true by parsing every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "harvester"

# module -> (harvester modules it may import, third-party top-level packages it may import)
ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    "models": (set(), set()),
    "errors": (set(), set()),
    "config": ({"models", "errors"}, set()),
    "normalise": (
        {"models", "normalise"},
        {"lxml", "pycountry", "stdnum", "jdatetime", "hijridate"},
    ),
    "dedupe": ({"models"}, set()),
    "export": ({"models"}, {"lxml"}),
    # The OAI adapter is three files: protocol (oai), HTTP (transport), parsing (xmlsafe).
    "oai": (
        {"models", "errors", "transport", "xmlsafe", "normalise", "__init__"},
        {"sickle", "lxml"},
    ),
    "transport": ({"models", "errors"}, {"requests"}),
    "xmlsafe": (set(), {"lxml"}),
    "store": ({"models", "errors"}, {"sqlite_utils"}),
    "lock": ({"errors"}, set()),
    "harvest": (
        {
            "models",
            "errors",
            "oai",
            "normalise",
            "store",
            "transport",
            "linking",
            "pipeline",
            "windows",
        },
        set(),
    ),
    "linking": ({"dedupe", "normalise", "store"}, set()),
    "renormalise": ({"models", "normalise", "store"}, set()),
    "exporting": ({"export", "models", "store"}, set()),
    "devserver": (set(), {"lxml"}),
    "pipeline": (set(), set()),
    "windows": (set(), set()),
    "demo": ({"devserver", "models"}, set()),
}
# Only these modules may import a given third-party package.
OWNERS = {
    "click": {"cli"},
    "sickle": {"oai"},
    "requests": {"transport"},
    "sqlite_utils": {"store"},
}


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    internal, external = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "harvester":
                internal.update(
                    "__init__" if a.name.startswith("__") else a.name for a in node.names
                )
                continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "harvester":
                internal.add(parts[1] if len(parts) > 1 else "__init__")
            else:
                external.add(parts[0])
    return internal, external


def module_key(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def test_every_module_respects_the_import_table():
    import sys

    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        key = module_key(path)
        if key in ("cli", "__main__", "__init__"):
            continue
        assert key in ALLOWED, f"{key} is missing from the import table"
        may_internal, may_external = ALLOWED[key]
        internal, external = imports_of(path)
        for name in internal - may_internal - {key}:
            problems.append(f"{path.name} imports harvester.{name}")
        for name in external - stdlib - may_external:
            problems.append(f"{path.name} imports {name}")
    assert problems == []


def test_adapters_own_their_dependency():
    for path in PACKAGE.rglob("*.py"):
        _, external = imports_of(path)
        for package, owners in OWNERS.items():
            if package in external:
                assert module_key(path) in owners, f"{path.name} imports {package}"

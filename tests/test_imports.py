"""The import-boundary table of docs/architecture.md, kept true by parsing imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).parents[1] / "harvester"

# module or package -> (harvester packages it may import, third-party top-level packages it may
# import). A module of a package is looked up as "package.module" first, then as "package".
EVERYTHING = {
    "models",
    "errors",
    "config",
    "normalise",
    "link",
    "export",
    "oai",
    "store",
    "harvest",
    "demo",
    "serve",
    "workers",
    "__init__",
}
ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    "models": (set(), set()),
    "errors": (set(), set()),
    # A source's default_language is checked against the language tables when it is read.
    "config": ({"models", "errors", "normalise"}, set()),
    "normalise": (
        {"models", "normalise"},
        {
            "lxml",
            "pycountry",
            "stdnum",
            "jdatetime",
            "hijridate",
            "convertdate",
            "japanera",
            "kanjize",
            "opencc",
            "Stemmer",
            "anyascii",
        },
    ),
    # Pure: keys and clusters know records, not where they are stored.
    "link": (set(), set()),
    "link.keys": ({"models", "normalise"}, set()),
    "link.clusters": ({"models"}, set()),
    "link.steady": ({"models"}, set()),
    "link.run": ({"models", "errors", "store", "workers"}, set()),
    # `link --full`: keys on every core (worker processes reading the index read-only).
    "link.whole": ({"models", "store", "workers"}, set()),
    "link.forkserver_init": (set(), set()),
    # Worker processes for pure work: the standard library only.
    "workers": (set(), set()),
    "export": (set(), set()),
    "export.writers": ({"models"}, {"lxml"}),
    "export.parquet": ({"models"}, {"pyarrow"}),
    "export.run": ({"models", "errors", "store"}, set()),
    # The client adapter: protocol (client), HTTP (transport), parsing (xmlsafe).
    "oai": ({"models", "errors", "normalise", "__init__"}, {"sickle", "lxml", "requests"}),
    "store": ({"models", "errors", "normalise"}, {"sqlite_utils", "orjson"}),
    "harvest": ({"models", "errors", "oai", "normalise", "store", "link", "workers"}, set()),
    "demo": ({"models"}, {"lxml"}),
    # The server: OAI-PMH provider and the reader's web page, over a read-only store. `make_app`
    # reads the config as the command line does, so the app runs under any WSGI server.
    "serve": (
        {"models", "errors", "config", "store", "export", "normalise"},
        {"werkzeug", "waitress", "jinja2", "babel", "_typeshed"},
    ),
    "cli": (EVERYTHING, {"click"}),
}
# Only these modules may import a given third-party package.
OWNERS = {
    "click": {"cli"},
    "sickle": {"oai.client"},
    "requests": {"oai.transport"},
    "sqlite_utils": {"store"},
    "waitress": {"serve.server"},
    "pyarrow": {"export.parquet"},
}


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    internal: set[str] = set()
    external: set[str] = set()
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
    """``store`` for harvester/store/index.py, ``link.run`` for harvester/link/run.py."""
    relative = path.relative_to(PACKAGE).with_suffix("")
    return ".".join(relative.parts[:2])


def rules_for(key: str, table: dict[str, Any]) -> Any:
    return table.get(key, table.get(key.split(".")[0]))


def test_every_module_respects_the_import_table():
    import sys

    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        key = module_key(path)
        if key in ("__main__", "__init__"):
            continue
        rules = rules_for(key, ALLOWED)
        assert rules is not None, f"{key} is missing from the import table"
        may_internal, may_external = rules
        internal, external = imports_of(path)
        for name in internal - may_internal - {key.split(".")[0]}:
            problems.append(f"{path.name} imports harvester.{name}")
        for name in external - stdlib - may_external:
            problems.append(f"{path.name} imports {name}")
    assert problems == []


def test_adapters_own_their_dependency():
    for path in PACKAGE.rglob("*.py"):
        _, external = imports_of(path)
        for package, owners in OWNERS.items():
            key = module_key(path)
            if package in external:
                assert key in owners or key.split(".")[0] in owners, f"{key} imports {package}"


# The raw database handle and its methods: reaching for them outside store/ puts SQL elsewhere.
RAW_HANDLE = {"db", "conn", "execute", "executemany", "executescript"}
# SQL words as they appear in a statement (upper case) followed by what a statement has there.
SQL_TEXT = re.compile(
    r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|WHERE|IS (NOT )?NULL|PRAGMA)\b"
)


def outside_store() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if module_key(p).split(".")[0] != "store"]


def test_no_module_outside_the_store_touches_the_raw_database():
    problems = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} uses .{node.attr}"
        for path in outside_store()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in RAW_HANDLE
    ]
    assert problems == []


def test_no_module_outside_the_store_writes_sql():
    problems = []
    for path in outside_store():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and SQL_TEXT.search(node.value)
            ):
                problems.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value[:40]!r}")
    assert problems == []


def test_the_checks_catch_a_raw_handle_and_sql() -> None:
    """The two checks above would fail on the code they forbid."""
    source = 'store.db.execute("UPDATE records SET link_pending = 1")\n'
    tree = ast.parse(source)
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert attributes & RAW_HANDLE == {"db", "execute"}
    assert SQL_TEXT.search("cluster_id IS NULL")
    assert SQL_TEXT.search("UPDATE records SET link_pending = 1")
    assert not SQL_TEXT.search("Update the records where the set is null")


def test_the_architecture_document_names_every_package_and_library_of_the_table() -> None:
    """docs/architecture.md shows this table to readers: a new entry must appear there too."""
    document = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = {key.split(".")[0] for key in ALLOWED} | {
        library for _, libraries in ALLOWED.values() for library in libraries
    }
    rows = [line for line in document.splitlines() if line.startswith("| ")]
    table = "\n".join(rows)
    missing = sorted(n for n in names - {"_typeshed"} if not re.search(rf"\b{n}\b", table))
    assert missing == []

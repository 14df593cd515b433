"""The import contract (docs/architecture.md): each floor imports only the floors the table below allows,
nothing under the pages imports Streamlit except the modules listed (with why), and queries/ only reads.

Every project module is parsed with `ast` (nothing is imported), so a violation is reported with its
file and line. A new top-level package or module fails `test_every_module_has_a_floor` until it is
given a floor here and in docs/architecture.md.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", ".git", "data", "test-artifacts", "node_modules"}

# Top-level package or module → its floor.
FLOOR = {
    "settings": "settings",
    "geo": "geo",
    "db": "db",
    "queries": "queries",
    "intake": "intake",
    "simulate": "simulate",
    "present": "present",
    "exports": "exports",
    "web": "web",
    "ui": "ui",
    "app_pages": "pages",
    "app": "pages",
    "asgi": "pages",
    "cli": "cli",
    "cli_common": "cli",
    "cli_access": "cli",
    "cli_tokens": "cli",
    "scripts": "scripts",
    "deploy": "scripts",
    "tests": "tests",
}

# Floor → the other floors it may import (its own floor always). The same table is in docs/architecture.md.
ALLOWED = {
    "settings": set(),
    "geo": {"settings"},
    "db": {"settings", "geo"},
    "queries": {"settings", "db"},
    "intake": {"settings", "db", "queries"},
    "simulate": {"settings", "geo", "db", "queries", "intake"},
    "present": {"settings", "queries"},
    "exports": {"settings", "geo", "queries", "present"},
    "web": {"settings", "db", "queries", "intake", "present"},
    "ui": {"settings", "geo", "db", "queries", "intake", "present", "exports", "web"},
    "pages": {"settings", "geo", "db", "queries", "intake", "present", "exports", "web", "ui"},
    "cli": {"settings", "geo", "db", "queries", "intake", "simulate", "present", "exports"},
    "scripts": set(FLOOR.values()),  # benchmarks and deployment helpers drive everything, tests' fixtures too
    "tests": set(FLOOR.values()),
}

# Where a floor may use only some modules of another: ui/ takes the signed cookie and the sign-in
# paths from web/, nothing else (web/'s routes and API are served beside the app, not under it).
ONLY = {("ui", "web"): {"web.session_cookie"}}

# Below the pages, only these modules import Streamlit, each for the reason given. The list is exact:
# a module that stops importing Streamlit must leave it too.
STREAMLIT = {
    "ui/access.py": "the script's own session check, the sign-in prompt and the sidebar's account box",
    "ui/controls.py": "the shared sidebar controls (widgets, query parameters)",
    "ui/data.py": "the cache layer over queries/ (st.cache_data, st.cache_resource)",
    "ui/figure_cache.py": "figures built once per process (st.cache_resource)",
    "ui/chart.py": "the charts' custom component",
    "ui/intake_data.py": "the upload page's cached batches and results",
    "ui/map_data.py": "the map's cached geometry",
    "ui/meeting_data.py": "meeting mode's cached slides, events and handouts",
    "ui/quality_data.py": "the data quality page's cached frames",
    "ui/readiness_data.py": "the readiness page's cached frames",
    "web/auth_routes.py": "single sign-on: streamlit.auth_util's redirect origin",
    "web/index_page.py": "Streamlit's index.html, given the server's base address (its folder)",
    "web/session_cookie.py": "single sign-on: streamlit.auth_util reads the [auth] secrets",
    "web/static_cache.py": "Streamlit's bundles served from memory (its static folder)",
}
ABOVE_THE_PAGES = {"pages", "scripts", "tests"}

# queries/ only reads: from db/ it takes the table definitions, the engine's types and the row → frame
# reader, nothing that writes.
QUERIES_MAY_USE_DB = {"db", "db.schema", "db.engine", "db.frames"}
WRITE_NAMES = {"insert", "update", "delete"}
WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|DROP|CREATE|ALTER)\b", re.IGNORECASE)


def _modules() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if not SKIP & set(p.relative_to(ROOT).parts))


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _project_modules() -> frozenset[str]:
    return frozenset(_name(p) for p in _modules())


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, at any depth (functions too); `from a import b`
    gives `a.b` when that is a module of the project, else `a`; relative imports are resolved."""
    package = _name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((node.lineno, full if full in _project_modules() else base))
    return found


def _floor(module: str) -> str | None:
    return FLOOR.get(module.split(".")[0])


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_module_has_a_floor():
    assert [_rel(p) for p in _modules() if _floor(_name(p)) is None] == []


def test_each_floor_imports_only_the_floors_it_may():
    wrong = []
    for path in _modules():
        floor = _floor(_name(path))
        for line, module in _imports(path):
            target = _floor(module)
            if target is None or target == floor:
                continue
            if target not in ALLOWED[floor]:
                wrong.append(f"{_rel(path)}:{line}: {floor} may not import {target} ({module})")
            elif (floor, target) in ONLY and not any(module == m or module.startswith(m + ".") for m in ONLY[floor, target]):
                wrong.append(f"{_rel(path)}:{line}: {floor} may import only {sorted(ONLY[floor, target])} of {target}, not {module}")
    assert wrong == []


def test_nothing_below_the_pages_imports_streamlit_but_the_listed_modules():
    importers = {
        _rel(path)
        for path in _modules()
        if _floor(_name(path)) not in ABOVE_THE_PAGES and any(m.split(".")[0] == "streamlit" for _, m in _imports(path))
    }
    assert sorted(importers - STREAMLIT.keys()) == [], "Streamlit below the pages: put it in ui/ (the cache layer) or list it here with why"
    assert sorted(STREAMLIT.keys() - importers) == [], "listed but no longer importing Streamlit: take it off the list"


@pytest.mark.parametrize("path", [p for p in _modules() if _name(p).split(".")[0] == "queries"], ids=_rel)
def test_queries_only_read(path: Path):
    wrong = []
    for line, module in _imports(path):
        if module.split(".")[0] == "db" and module not in QUERIES_MAY_USE_DB:
            wrong.append(f"{line}: imports {module}")
    schema_names = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            wrong += [f"{node.lineno}: imports {alias.name} from {node.module}" for alias in node.names if alias.name in WRITE_NAMES]
        if isinstance(node, ast.ImportFrom) and node.module == "db.schema":
            schema_names |= {alias.asname or alias.name for alias in node.names}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Attribute) and node.attr in WRITE_NAMES:
            receiver = node.value
            if isinstance(receiver, ast.Name) and (receiver.id in schema_names or receiver.id in {"sqlalchemy", "sa"}):
                wrong.append(f"{node.lineno}: {receiver.id}.{node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and WRITE_SQL.match(node.value):
            wrong.append(f"{node.lineno}: SQL that writes: {node.value[:40]!r}")
    assert wrong == []

"""The linter and the type checker run with the tests, so CI (`.ci/run` → `./test.sh` → pytest) fails on
any of them. They read their settings from pyproject.toml: `ruff check .` and `ruff format --check .` (the whole project but .venv), and
`mypy` (every package below the pages — pyproject's [tool.mypy] `files`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_check_passes():
    done = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert done.returncode == 0, f"ruff check . failed:\n{done.stdout}\n{done.stderr}"


def test_the_code_is_formatted():
    done = _run(str(BIN / "ruff"), "format", "--check", "--no-cache", ".")
    assert done.returncode == 0, f"ruff format --check . failed (run .venv/bin/ruff format .):\n{done.stdout}\n{done.stderr}"


def test_mypy_passes():
    done = _run(sys.executable, "-m", "mypy")
    assert done.returncode == 0, f"mypy failed:\n{done.stdout}\n{done.stderr}"


def _pins(path: Path) -> dict[str, str]:
    """name → version of each `name==version` line (extras dropped, names normalized), following `-r`."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= _pins(path.parent / line[3:].strip())
        elif "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name.split("[", 1)[0]).lower()] = version.strip()
    return pins


def test_lock_files_pin_every_direct_requirement_at_its_version():
    """scripts/setup_env.sh installs the lock: a requirement changed in a .txt file without
    `python -m scripts.lock_requirements` would not be installed."""
    for source, lock in (("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")):
        wanted, locked = _pins(ROOT / source), _pins(ROOT / lock)
        assert wanted, source
        stale = {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version}
        assert not stale, f"{lock} is stale (requirement, locked): {stale} — run .venv/bin/python -m scripts.lock_requirements"
    assert set(_pins(ROOT / "requirements.lock")) <= set(_pins(ROOT / "requirements-dev.lock"))

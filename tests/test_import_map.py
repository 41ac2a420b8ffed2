"""The import map keeps its direction (docs/architecture.md, "Layers"): no arrow runs back up
the layers and no two apps import each other, directly or round a circle.

Two checks: import-linter's contracts in pyproject.toml (every import statement, at the top of
a module or inside a function) and scripts/import_map.py (the same map at the apps' level,
with the first-party modules named in strings, e.g. a dotted path handed to import_string)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)])}
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = _run(str(lint_imports), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_back_arrow_and_no_circle_between_apps():
    result = _run(sys.executable, "scripts/import_map.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr

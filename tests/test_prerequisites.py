"""tests/prerequisites.py: a missing prerequisite skips a test on a developer's machine and
fails it under CI=true. Checked on a tiny test file run by pytest in a subprocess (no Django,
no project conftest), so the outcome is pytest's own verdict."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

TINY = """
from tests.prerequisites import missing, require, require_command


def test_needs_a_command_nobody_has():
    require_command("cityservice-no-such-command", "cityservice-no-such-command is not installed")
    raise AssertionError("the test ran without its prerequisite")


def test_needs_a_condition_that_fails():
    require(False, "the probe's condition does not hold")
    raise AssertionError("the test ran without its prerequisite")


def test_needs_what_the_caller_searched_for():
    missing("nothing found where the probe looked")


def test_needs_what_is_there():
    assert require_command("sh", "sh is not installed").endswith("/sh")
    require(True, "always there")
"""


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_tiny.py").write_text(TINY)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider",
         "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), "-rA",
         str(tmp_path / "test_tiny.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_under_ci_a_missing_prerequisite_fails_the_run(tmp_path):
    run = _run(tmp_path, "true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "3 failed, 1 passed" in run.stdout, run.stdout
    assert "skipped" not in run.stdout, run.stdout
    assert "prerequisite missing under CI=true: cityservice-no-such-command" in run.stdout
    assert "the test ran without its prerequisite" not in run.stdout


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_outside_ci_a_missing_prerequisite_skips(tmp_path, ci):
    run = _run(tmp_path, ci)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 3 skipped" in run.stdout, run.stdout
    assert "cityservice-no-such-command is not installed" in run.stdout


def test_ci_is_read_as_ci_services_set_it(monkeypatch):
    from tests.prerequisites import in_ci

    for value, expected in (("true", True), ("TRUE", True), ("1", False), ("", False)):
        monkeypatch.setenv("CI", value)
        assert in_ci() is expected, value
    monkeypatch.delenv("CI")
    assert in_ci() is False


def test_no_test_skips_around_the_helper():
    """Every skip of the suite goes through tests/prerequisites.py (so CI=true turns it into a
    failure): no pytest.skip, skipif or importorskip anywhere else under tests/."""
    offenders = []
    needles = ("pytest.skip(", "mark.skip", "skipif(", "importorskip(")
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name in ("prerequisites.py", "test_prerequisites.py"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(needle in line for needle in needles):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)

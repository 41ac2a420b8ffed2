"""The one way a test says what it needs from the machine (initdb, redis-server, nginx,
envsubst, chromium, a project-local Redis). On a developer's machine a missing prerequisite
skips the test with the reason; under CI (the environment variable CI set to "true", as CI
services set it) it fails the test, so a green CI run never hides a test that did not run.
scripts/system-packages.sh installs every prerequisite named here (as root: `make test`,
.ci/run)."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require(condition: object, reason: str) -> None:
    """Go on when `condition` holds; otherwise skip the test with `reason`, or fail it under
    CI=true."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"prerequisite missing under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def require_command(name: str, reason: str) -> str:
    """The path of the command `name` on PATH (see require)."""
    found = shutil.which(name)
    require(found, reason)
    return found


def missing(reason: str) -> NoReturn:
    """A prerequisite found missing by the caller's own search (see require)."""
    require(False, reason)
    raise AssertionError("unreachable")  # require(False, ...) always raises

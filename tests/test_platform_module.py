"""`import platform` must be Python's own module everywhere the project runs."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def test_platform_is_stdlib_under_pytest():
    import platform

    assert Path(platform.__file__).resolve().parent == STDLIB
    assert platform.python_version().startswith("3.11")


def test_platform_folder_is_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists()


def _python(*args: str) -> str:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cityplatform.settings.dev"},
    ).stdout  # fmt: skip


def test_platform_is_stdlib_in_manage_py():
    out = _python("manage.py", "shell", "-c", "import platform; print(platform.__file__)")
    assert Path(out.strip().splitlines()[-1]).resolve().parent == STDLIB


def test_platform_is_stdlib_from_repository_root():
    out = _python("-c", "import platform, uuid; print(platform.__file__)")
    assert Path(out.strip()).resolve().parent == STDLIB


@pytest.mark.django_db
def test_platform_is_stdlib_in_gunicorn(live_gunicorn):
    import json
    import urllib.request

    from django.conf import settings

    request = urllib.request.Request(
        f"{live_gunicorn}/healthz",
        headers={"Host": "localhost", "X-Healthz-Token": settings.HEALTHZ_TOKEN},
    )
    try:
        body = urllib.request.urlopen(request, timeout=10).read()
    except urllib.error.HTTPError as exc:  # 503 is fine here: only the module matters
        body = exc.read()
    import platform

    assert json.loads(body)["python"] == platform.python_version()


def test_platform_is_stdlib_in_celery_worker(celery_worker_process):
    import platform

    from tenants.health.tasks import python_platform

    assert python_platform.delay().get(timeout=30) == platform.python_version()

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
def test_platform_is_stdlib_in_gunicorn(tmp_path):
    """gunicorn as the deploy runs it (`--pythonpath platform`, the project's app loaded in the
    worker): a server hook, gunicorn's own feature, writes what `import platform` is in the
    worker once the app has loaded."""
    import time

    from tests.conftest import _free_port, _test_database_env

    seen = tmp_path / "platform.txt"
    hooks = tmp_path / "hooks.py"
    hooks.write_text(
        "def post_worker_init(worker):\n"
        "    import platform\n"
        f"    open({str(seen)!r}, 'w').write(platform.__file__)\n"
    )
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"), "-c", str(hooks),
            "--chdir", str(ROOT), "--pythonpath", "platform",
            "--bind", f"127.0.0.1:{_free_port()}", "--workers", "1",
            "cityplatform.wsgi:application",
        ],
        env=_test_database_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (seen.exists() and seen.read_text()) and time.monotonic() < deadline:
            assert proc.poll() is None, "gunicorn exited"
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert Path(seen.read_text()).resolve().parent == STDLIB


def test_platform_is_stdlib_in_celery_worker(celery_worker_process):
    """Celery's own `inspect report` (the bug-report summary a worker sends to an operator)
    is computed in the worker with `platform`: system, architecture, Python version."""
    import platform

    from cityplatform.celery import app

    replies = app.control.inspect(timeout=10).report() or {}
    assert replies, "no worker answered"
    for reply in replies.values():
        assert f"py:{platform.python_version()}" in reply["ok"]
        assert f"system:{platform.system()}" in reply["ok"]

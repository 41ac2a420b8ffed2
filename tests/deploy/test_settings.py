"""cityplatform.settings.production refuses to start without its required environment, names
each missing variable, and reads no file; deploy/bin's wrappers say the same before Python
starts. Each case imports the settings in a fresh interpreter with a clean environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

REQUIRED = {
    "DJANGO_SECRET_KEY": "x" * 64,
    "DJANGO_ALLOWED_HOSTS": ".city.example",
    "DATABASE_URL": "postgres://city:secret@db.city.example:5432/cityservice",
    "PII_ENCRYPTION_KEYS": "prod-test-encryption-key-not-secret",
    "PII_HASH_KEY": "prod-test-hash-key-not-secret-0123456789",
}

# Imports the settings (django.setup() loads every app), then reports what it saw.
PROBE = """
import os, django
from django.conf import settings
django.setup()
print("DEBUG", settings.DEBUG)
print("HOSTS", ",".join(settings.ALLOWED_HOSTS))
print("DBHOST", settings.DATABASES["default"]["HOST"])
print("FROM_SERVICES_ENV", os.environ.get("CITY_PG_MODE", "-"))
"""


def run_settings(module: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT / "platform"),
        "DJANGO_SETTINGS_MODULE": module,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_production_refuses_without_each_variable(missing):
    env = {name: value for name, value in REQUIRED.items() if name != missing}
    out = run_settings("cityplatform.settings.production", env)
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr
    listed = out.stderr.split("missing or empty: ")[1].split(" (see")[0]
    assert listed == missing


def test_production_refuses_an_empty_variable():
    out = run_settings("cityplatform.settings.production", {**REQUIRED, "PII_HASH_KEY": "  "})
    assert out.returncode != 0
    assert "PII_HASH_KEY" in out.stderr


def test_production_refuses_the_development_secret_key():
    dev_key = "dev-only-insecure-key-0b1e2c3f4a5d6e7f8091a2b3c4d5e6f7"
    env = {**REQUIRED, "DJANGO_SECRET_KEY": dev_key}
    out = run_settings("cityplatform.settings.production", env)
    assert out.returncode != 0
    assert "DJANGO_SECRET_KEY is the development key" in out.stderr


def test_production_refuses_the_development_pii_keys():
    env = {**REQUIRED, "PII_HASH_KEY": "dev-only-pii-hash-8e2c4a6f0b1d3e5f7a9c1e3b5d7f9a0c"}
    out = run_settings("cityplatform.settings.production", env)
    assert out.returncode != 0
    assert "PII_HASH_KEY: the development key is not allowed" in out.stderr


def test_production_starts_with_everything_set():
    out = run_settings("cityplatform.settings.production", REQUIRED)
    assert out.returncode == 0, out.stderr
    assert "DEBUG False" in out.stdout
    assert "HOSTS .city.example" in out.stdout
    assert "DBHOST db.city.example" in out.stdout


def test_production_reads_no_file():
    # CITY_PG_MODE is written only into var/services.env; the development settings load it,
    # production must not.
    assert "CITY_PG_MODE=" in (ROOT / "var" / "services.env").read_text()
    dev = run_settings("cityplatform.settings.dev", {})
    assert dev.returncode == 0, dev.stderr
    assert "FROM_SERVICES_ENV local" in dev.stdout
    prod = run_settings("cityplatform.settings.production", REQUIRED)
    assert prod.returncode == 0, prod.stderr
    assert "FROM_SERVICES_ENV -" in prod.stdout


@pytest.mark.parametrize("entry_point", ["city-web", "city-worker", "city-beat", "city-release"])
def test_deploy_bin_names_the_missing_variables(entry_point):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        **{k: v for k, v in REQUIRED.items() if k not in ("PII_ENCRYPTION_KEYS", "DATABASE_URL")},
    }
    out = subprocess.run(
        [ROOT / "deploy" / "bin" / entry_point], env=env, capture_output=True, text=True
    )
    assert out.returncode == 78
    assert "DATABASE_URL PII_ENCRYPTION_KEYS" in out.stderr
    assert "DJANGO_SECRET_KEY" not in out.stderr


def test_seed_demo_refuses_under_the_production_settings():
    clean = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "cityplatform.settings.production",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        **REQUIRED,
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    assert "--allow-production" in out.stderr
    assert "Traceback" not in out.stderr  # a clear CommandError, not a crash


def test_seed_demo_refuses_with_debug_off_unless_allowed(settings, monkeypatch):
    from django.core.management import CommandError, call_command

    from demo.management.commands import seed_demo

    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo")

    class Reached(Exception):
        pass

    def city_ensure(**kwargs):
        raise Reached

    monkeypatch.setattr(seed_demo, "city_ensure", city_ensure)
    with pytest.raises(Reached):
        call_command("seed_demo", "--allow-production")


SETTINGS_DIR = ROOT / "platform" / "cityplatform" / "settings"
# Computed from other settings: stated by dev.py and production.py, never by base.py.
DERIVED = {"ALLOWED_HOSTS", "WAGTAILADMIN_BASE_URL", "CACHES", "CELERY_BROKER_URL"}


def _assigned(module: str) -> set[str]:
    import ast

    tree = ast.parse((SETTINGS_DIR / f"{module}.py").read_text())
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def test_base_reads_no_file_and_derives_nothing():
    import ast

    tree = ast.parse((SETTINGS_DIR / "base.py").read_text())
    called = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert not called & {"open", "read_env", "read_text", "read_bytes", "read_local_env_files"}
    assert not _assigned("base") & DERIVED
    assert _assigned("dev") >= DERIVED
    assert _assigned("production") >= DERIVED - {"ALLOWED_HOSTS"}  # hosts: env, required

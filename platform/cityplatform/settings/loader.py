"""What the settings modules share besides base.py's values: reading the project-local env
files (dev and test only; production reads no file) and the shape of the Redis cache, which
each environment points at its own Redis database."""

from __future__ import annotations

from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parent.parent.parent.parent  # the repository


def read_local_env_files() -> None:
    """var/services.env (written by scripts/services.sh) and an optional .env into the
    environment, never over a variable already set; before base.py reads the environment."""
    environ.Env.read_env(ROOT / "var" / "services.env", overwrite=False)
    environ.Env.read_env(ROOT / ".env", overwrite=False)


def redis_cache(location: str) -> dict:
    """CACHES for the Redis at `location`."""
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            # Keys carry the schema name, so no tenant reads another's cached values.
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                # A Redis outage degrades to cache misses instead of failing every request;
                # /healthz reports the outage.
                "IGNORE_EXCEPTIONS": True,
            },
        },
    }

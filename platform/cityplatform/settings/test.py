"""Settings for the test suite: the real PostgreSQL and Redis, with fast password hashing.

TEST_DATABASE_NAME and TEST_REDIS_DB let suites run side by side on one machine. Under
pytest-xdist each worker (PYTEST_XDIST_WORKER gw0, gw1, ...) has its own everything:
pytest-django names its test database TEST_DATABASE_NAME_gw<n> (and so its own spare pool);
here worker n takes the Redis databases TEST_REDIS_DB - 2n (cache) and the one below (broker),
and its own media and private folders. The processes a test starts (gunicorn, a Celery worker)
inherit PYTEST_XDIST_WORKER, so they meet their worker's cache and broker."""

import os

from django.core.exceptions import ImproperlyConfigured

from .dev import *  # noqa: F403
from .dev import BASE_DIR, DATABASES, REDIS_URL, env
from .loader import redis_cache

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_database = env.str("TEST_DATABASE_NAME", default="test_cityservice")
DATABASES["default"]["TEST"] = {"NAME": _database}

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_worker_index = int(_worker[2:]) if _worker.startswith("gw") else 0
_redis_base = REDIS_URL.rsplit("/", 1)[0]
_redis_db = env.int("TEST_REDIS_DB", default=15) - 2 * _worker_index
# The broker takes the database below the cache; 0 only for a stack with a Redis of its own
# (the fault tests: TEST_REDIS_DB=1, where the worker and beat they start use 0 as well).
if _redis_db < 1:
    raise ImproperlyConfigured(
        f"TEST_REDIS_DB leaves no pair of Redis databases for xdist worker {_worker}: "
        "run fewer workers (-n) or a higher TEST_REDIS_DB"
    )
# Tests use their own Redis databases, so clearing the cache between tests touches nothing else.
CACHES = redis_cache(f"{_redis_base}/{_redis_db}")
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = f"{_redis_base}/{_redis_db - 1}"
# Files the tests write (outside the tmp folders of the media_root and private_root fixtures)
# stay apart from development's var/media and from every other run and worker.
_files = BASE_DIR / "var" / "test-files" / (f"{_database}_{_worker}" if _worker else _database)
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=_files / "media")
PRIVATE_ROOT = env.path("DJANGO_PRIVATE_ROOT", default=_files / "private")
# Eight: the most centers one test makes (the demo city of the evaluation tests: two districts
# and five townships and streets, plus one), so no test pays for a clone of the template inside
# its transaction (a clone on a busy connection takes seconds).
CENTER_SPARE_SCHEMAS = 8
# The live stacks of the tests (gunicorn, the fault stack) show /healthz's checks to this token.
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="test-healthz-token")

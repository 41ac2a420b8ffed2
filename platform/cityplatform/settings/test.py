"""Settings for the test suite: the real PostgreSQL and Redis, with fast password hashing.

TEST_DATABASE_NAME and TEST_REDIS_DB let two suites run side by side on one machine."""

from .development import *  # noqa: F403
from .development import CACHES, DATABASES, REDIS_URL, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_cityservice")}
_redis_base = REDIS_URL.rsplit("/", 1)[0]
_redis_db = env.int("TEST_REDIS_DB", default=15)
# Tests use their own Redis databases, so clearing the cache between tests touches nothing else.
CACHES["default"]["LOCATION"] = f"{_redis_base}/{_redis_db}"
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = f"{_redis_base}/{_redis_db - 1}"
# Eight: the most centers one test makes (the demo city of the evaluation tests: two districts
# and five townships and streets, plus one), so no test pays for a clone of the template inside
# its transaction (a clone on a busy connection takes seconds).
CENTER_SPARE_SCHEMAS = 8
# The live stacks of the tests (gunicorn, the fault stack) show /healthz's checks to this token.
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="test-healthz-token")

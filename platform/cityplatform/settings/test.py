"""Settings for the test suite: the real PostgreSQL and Redis, with fast password hashing."""

from . import *  # noqa: F403
from . import CACHES, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests use their own Redis database, so clearing the cache between tests touches nothing else.
CACHES["default"]["LOCATION"] = REDIS_URL.rsplit("/", 1)[0] + "/15"
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL.rsplit("/", 1)[0] + "/14"
CENTER_SPARE_SCHEMAS = 2

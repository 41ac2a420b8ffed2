"""Development settings: the project-local services that scripts/services.sh starts, found
through var/services.env (and an optional .env), which only development and tests read."""

from .loader import read_local_env_files, redis_cache

read_local_env_files()

from .base import *  # noqa: E402, F403
from .base import CITY_DOMAIN, CITY_URL_PORT, CITY_URL_SCHEME, REDIS_URL, env  # noqa: E402

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[CITY_DOMAIN, f".{CITY_DOMAIN}"])
# Global by design in Wagtail; per-center links are built from the center's own domain.
WAGTAILADMIN_BASE_URL = f"{CITY_URL_SCHEME}://{CITY_DOMAIN}:{CITY_URL_PORT}"
CACHES = redis_cache(REDIS_URL)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)

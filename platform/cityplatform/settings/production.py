"""Production settings: everything secret or site-specific comes from the environment.

Refuses to start (ImproperlyConfigured, naming each one) unless the environment sets
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, PII_ENCRYPTION_KEYS and PII_HASH_KEY;
no file is read (var/services.env and .env are the development settings' only).
"""

import os

from django.core.exceptions import ImproperlyConfigured

# Every production entry point (WSGI, Celery, deploy/bin) names these; none has a default here.
REQUIRED_ENVIRONMENT = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "PII_ENCRYPTION_KEYS",
    "PII_HASH_KEY",
)
_missing = [name for name in REQUIRED_ENVIRONMENT if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(
        "cityplatform.settings.production needs these environment variables, which are "
        f"missing or empty: {', '.join(_missing)} (see deploy/README.md)."
    )

from .base import *  # noqa: E402, F403
from .base import REDIS_URL, env  # noqa: E402
from .loader import redis_cache  # noqa: E402

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
if SECRET_KEY.startswith("dev-only-"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the development key; set a random one (see deploy/README.md)."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# The keys of the encrypted ID numbers and their lookup hashes (cityplatform/pii.py).
PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS")
PII_HASH_KEY = env.str("PII_HASH_KEY")
_pii_keys = {"PII_ENCRYPTION_KEYS": PII_ENCRYPTION_KEYS, "PII_HASH_KEY": [PII_HASH_KEY]}
_dev_keys = [
    name
    for name, values in _pii_keys.items()
    if any(value.strip().startswith("dev-only-") for value in values)
]
if _dev_keys:
    raise ImproperlyConfigured(
        f"{', '.join(_dev_keys)}: the development key is not allowed in production; set random "
        "keys (see deploy/README.md)."
    )

CACHES = redis_cache(REDIS_URL)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
# No script of ours reads the CSRF cookie: Wagtail and the API docs take the token from the page.
CSRF_COOKIE_HTTPONLY = True  # security headers (issue 7)

# --- deploy/ and `make run-prod` (issue #7) --------------------------------------------------

# collectstatic writes content-hashed names, so nginx serves /static/ with a year's cache.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
# Behind nginx (the edge, one hop): the progress-lookup throttle reads the client address from
# X-Forwarded-For only when this is set (centers/cases/progress.py client_ip).
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": env.int("NUM_PROXIES", default=None)}  # noqa: F405
# Uploads: a case scan is at most 10 MB (centers/cases/files.py) and an intake may carry
# several; nginx caps the whole request body (client_max_body_size, deploy/README.md). Django
# keeps form fields (everything but files) to 2.5 MB and writes files above 2.5 MB to disk
# while reading them, so a worker never holds a whole upload in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 200
FILE_UPLOAD_TEMP_DIR = env.str("DJANGO_FILE_UPLOAD_TEMP_DIR", default=None)
# With nginx in front, media leaves through X-Accel-Redirect once Django has checked the domain
# (tenants/media.py); unset, Django streams the file itself (dev, tests).
MEDIA_X_ACCEL_REDIRECT = env.str("MEDIA_X_ACCEL_REDIRECT", default="") or None
# Private files leave through nginx's `internal` location for PRIVATE_ROOT, after the view's
# permission check (tenants/private_files.py).
PRIVATE_X_ACCEL_REDIRECT = env.str("PRIVATE_X_ACCEL_REDIRECT", default="") or None
# Links in mails, SMS and the admin carry the public scheme and port.
CITY_URL_SCHEME = env.str("CITY_URL_SCHEME", default="https")
CITY_URL_PORT = env.int("CITY_URL_PORT", default=443)
WAGTAILADMIN_BASE_URL = f"{CITY_URL_SCHEME}://{CITY_DOMAIN}:{CITY_URL_PORT}"  # noqa: F405

"""WSGI entry point. Development settings by default; production runs it (gunicorn, through
deploy/bin/city-web) with DJANGO_SETTINGS_MODULE=cityplatform.settings.production, which
refuses to start unless the environment sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
DATABASE_URL, PII_ENCRYPTION_KEYS and PII_HASH_KEY (deploy/README.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityplatform.settings.dev")
application = get_wsgi_application()

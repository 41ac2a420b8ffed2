"""Settings shared by every environment, read from the environment alone (django-environ).

The defaults point at the project-local PostgreSQL and Redis that scripts/services.sh starts;
`cityplatform.settings.dev` (and the test settings) load var/services.env and .env first,
`cityplatform.settings.production` refuses to start without its required variables. Nothing
here is computed from another setting: the values that are (the allowed hosts from the city's
domain, Wagtail's base URL, the cache and the Celery broker from REDIS_URL) are stated by dev.py
and production.py, which differ in them.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent  # platform/cityplatform
BASE_DIR = PROJECT_DIR.parent.parent  # repository root

# Settings come from the environment only: this module reads no file. The dev and test
# settings load var/services.env and .env into the environment before importing it.
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="dev-only-insecure-key-0b1e2c3f4a5d6e7f8091a2b3c4d5e6f7"
)

# The city's own domain; every center answers on <slug>.<CITY_DOMAIN>.
CITY_DOMAIN = env.str("CITY_DOMAIN", default="localhost")
CITY_URL_SCHEME = env.str("CITY_URL_SCHEME", default="http")
CITY_URL_PORT = env.int("CITY_URL_PORT", default=8000)

DEFAULT_CITY_NAME = env.str("CITY_NAME", default="沈阳市")
DEFAULT_CITY_CODE = env.str("CITY_DIVISION_CODE", default="210100000000")

# --- Tenancy (django-tenants): the public schema is the city, each center a schema ---------

# Apps with tables in every schema: the city's and each center's users, pages, media, tokens.
TENANT_APPS = [
    "tenants.accounts",
    "tenants.health",
    "centers.workspace",
    "centers.catalog",
    "centers.cases",
    "centers.ledger",
    "centers.feedback",
    "centers.appointments",
    "centers.ratings",
    "portal",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "tenants.accounts.users_app.StaffUsersAppConfig",  # wagtail.users, with roles (issue 7)
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "taggit",
    "rest_framework.authtoken",
    # Security (issue 7): login attempts per schema, since users live per schema.
    "axes",
]

SHARED_APPS = [
    "tenants",  # before django_tenants: its migrate_schemas executor setting and commands win
    "django_tenants",
    "catalog_cms.standards",  # public only: the city's standards and brand
    "tenants.exchange",  # public only: the outbox/inbox between centers
    "catalog_cms.search_index",  # public only: synonyms and the published guide search index
    "tenants.audit",  # public only: the audit log of every domain (security, issue 7)
    # public only: supervision and evaluation (issue "Supervision and evaluation")
    "evaluation.metrics",  # daily figures each center publishes
    "evaluation.supervision",  # 电子监察 alerts
    "evaluation.rectification",  # 差评 rectification and rating appeals
    "evaluation.scoring",  # rubric, rounds, scorecards, rankings
    "evaluation.conduct",  # the conduct campaign: self and peer evaluation, findings
    "centers.retention",  # public only: the city's retention periods of personal data (PIPL)
    *TENANT_APPS,
    # apps without tables of their own
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "wagtail.contrib.settings",
    "modelcluster",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "demo",  # `manage.py seed_demo`: the demo city, outside the product's apps
]

INSTALLED_APPS = SHARED_APPS

TENANT_MODEL = "tenants.Center"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New centers are cloned from this kept-migrated schema (or take a spare clone of it).
TENANT_BASE_SCHEMA = "center_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# How many migrated spare schemas to keep ready for instant provisioning.
CENTER_SPARE_SCHEMAS = env.int("CENTER_SPARE_SCHEMAS", default=3)
# Seconds a domain-to-tenant lookup stays cached (invalidated on every change anyway).
TENANT_DOMAIN_CACHE_SECONDS = env.int("TENANT_DOMAIN_CACHE_SECONDS", default=300)

# Set the search path once per request/task, not before every cursor: half the round trips.
TENANT_LIMIT_SET_CALLS = True
GET_EXECUTOR_FUNCTION = "tenants.migration_executor.get_executor"

DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://city:city@127.0.0.1:54329/cityservice"),
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# Persistent connections are worth ~6x throughput here; recycle them after minutes because a
# connection that has touched many schemas holds a large catalog cache.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6389/0")

# CACHES (loader.redis_cache), CELERY_BROKER_URL and CELERY_RESULT_BACKEND point at REDIS_URL,
# or at a database of it of their own: stated by dev.py, test.py and production.py.

SESSION_ENGINE = "django.contrib.sessions.backends.db"

MIDDLEWARE = [
    # Security headers (issue 7) come first, so that every response, the status pages of
    # CenterMiddleware included, carries them.
    "django.middleware.security.SecurityMiddleware",
    "cityplatform.security.CityCSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tenants.middleware.CenterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.accounts.middleware.SessionGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cityplatform.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "cityplatform.urls_public"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.brand",
            ],
        },
    },
]

WSGI_APPLICATION = "cityplatform.wsgi.application"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
    "tenants.accounts.permissions.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "tenants.accounts.validators.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
]
LOGIN_URL = "wagtailadmin_login"

# --- Security: logins, sessions, re-authentication, audit (issue 7) ---------------------------
# django-axes, database handler: AccessAttempt rows live in each schema (axes is a tenant app),
# so a lockout on one domain never locks the same username on another.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# A username is locked whatever the address (no guessing one account from many machines); one
# browser at one address is locked whatever the usernames (no spraying). Not the address alone:
# a center's whole office shares one address.
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "user_agent"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful logins go to the audit log instead
AXES_LOCKOUT_CALLABLE = "tenants.accounts.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
# The client's address as every other per-address limit counts it: behind nginx (NUM_PROXIES),
# the address nginx saw, never one the client wrote into X-Forwarded-For itself; an IPv6
# address as its /64 (cityplatform.ratelimit.client_bucket), so walking a /64 meets one lockout.
AXES_CLIENT_IP_CALLABLE = "cityplatform.ratelimit.axes_client_bucket"
# Staff sessions end after this many seconds without a request, and a staff user keeps at most
# MAX_SESSIONS_PER_USER sessions (the oldest end on a new login).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
MAX_SESSIONS_PER_USER = env.int("MAX_SESSIONS_PER_USER", default=3)
# Creating users and changing roles need a password entered within this many seconds.
REAUTH_MAX_AGE = env.int("REAUTH_MAX_AGE", default=5 * 60)
# Audit entries are kept this many days (never fewer than 180: checked at start-up).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=400)
# Personal information at rest (issue 14, cityplatform/pii.py): ID numbers are encrypted with
# the first of PII_ENCRYPTION_KEYS (comma-separated, each at least 32 characters; the others
# still decrypt, so a key is rotated by putting a new one first and running rotate_pii_key) in
# PII_CIPHER, "aes" (AES-256-GCM) or "sm4" (SM4-GCM, GB/T 32907, for 商用密码); PII_HASH_KEY keys
# the HMAC-SHA256 used for lookups and duplicate checks (after changing it, rotate_pii_key
# recomputes the hashes). The defaults are for development and tests only.
PII_ENCRYPTION_KEYS = env.list(
    "PII_ENCRYPTION_KEYS", default=["dev-only-pii-key-3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e"]
)
PII_HASH_KEY = env.str("PII_HASH_KEY", default="dev-only-pii-hash-8e2c4a6f0b1d3e5f7a9c1e3b5d7f9a0c")
PII_CIPHER = env.str("PII_CIPHER", default="aes")

# --- Language and time ----------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Files ----------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Each schema's uploads land under MEDIA_ROOT/<schema>/.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
# Private files (case scans, printed notices, evaluation evidence, backups) live outside
# MEDIA_ROOT under PRIVATE_ROOT/<schema>/, which no URL and no public nginx location maps; only
# permission-checked views hand them out (tenants/private_files.py).
PRIVATE_ROOT = env.path("DJANGO_PRIVATE_ROOT", default=BASE_DIR / "var" / "private")
# Behind nginx: the `internal` location that maps PRIVATE_ROOT (unset: Django streams the file).
PRIVATE_X_ACCEL_REDIRECT = None
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every xlsx/csv the product writes goes through cityplatform.spreadsheets (text that could be a
# formula is written as text). django-import-export's own escaping (it drops a leading "=")
# guards anything written through its formats directly. Not from the environment: never off.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Wagtail --------------------------------------------------------------------------------

WAGTAIL_SITE_NAME = env.str("CITY_SITE_NAME", default="政务服务平台")
# WAGTAILADMIN_BASE_URL (global by design in Wagtail; per-center links are built from the
# center's own domain) is CITY_URL_SCHEME://CITY_DOMAIN:CITY_URL_PORT: dev.py, production.py.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Documents leave only through Wagtail's serve view (attachment, `default-src 'none'`, collection
# privacy), never through /media/ (tenants/media.py), and only in the office formats centers
# publish.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["pdf", "ofd", "doc", "docx", "xls", "xlsx", "wps", "et", "jpg", "png"]

# --- API ------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cityplatform.api.Pagination",  # bounded (issue 7)
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "cityplatform.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "City government service platform API",
    "DESCRIPTION": "乡镇/街道政务服务中心平台 API (v1)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["cityplatform.api.only_v1_endpoints"],
}

# --- Security headers (issue 7): CSP, referrer policy, framing ---------------------------------
# The strict policy of every page; cityplatform.security loosens it for Wagtail's admin only.
# Inline <script>/<style> blocks carry nonce="{{ request.csp_nonce }}". Nothing from outside.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No avatars from gravatar.com: the admin loads nothing from outside.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Celery (tenant-schemas-celery: tasks run in the schema that sent them) -----------------

CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TENANT_CACHE_SECONDS = 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tests run tasks in-process unless a test starts a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Template imports with more new or changed rows than this run in Celery with a progress page.
CATALOG_IMPORT_INLINE_ROWS = env.int("CATALOG_IMPORT_INLINE_ROWS", default=200)
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=60)
# Nightly jobs by the clock (CELERY_TIMEZONE); cityplatform/celery.py adds the interval jobs.
# (deploy/bin/city-beat's CELERY_BEAT_SCHEDULE variable is beat's state file, not this.)
CELERY_BEAT_SCHEDULE = {
    "anonymise personal data past the city's retention periods, spread over an hour": {
        "task": "centers.retention.tasks.dispatch_retention",
        "schedule": crontab(hour=env.int("RETENTION_HOUR", default=2), minute=30),
    },
}
# /healthz shows its checks only to the domain's staff and to monitoring that sends this token
# in X-Healthz-Token (empty: no token works); everyone else sees only {"status": "ok"}.
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")

# --- SMS to applicants ------------------------------------------------------------------------
# cityplatform.sms.ConsoleBackend logs; HttpGatewayBackend posts to the city's gateway.
SMS_BACKEND = env.str("SMS_BACKEND", default="cityplatform.sms.ConsoleBackend")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
# Beat sends again, this often, every SMS whose task never ran (the broker was down when its
# case changed): centers.cases.tasks.dispatch_notification_sweeps.
NOTIFICATION_SWEEP_SECONDS = env.int("NOTIFICATION_SWEEP_SECONDS", default=300)
# Public forms that make the product text a phone number the visitor typed (online
# applications, appointments, complaints with a phone, ratings): at most this many a day per
# number, city-wide, counted in Redis; with Redis down those forms refuse (cityplatform.ratelimit).
SMS_PUBLIC_DAILY_CAP = env.int("SMS_PUBLIC_DAILY_CAP", default=10)

# --- Anonymous uploads (online applications, portal/apply.py) ---------------------------------
# All the scans of one application together, and all anonymous uploads of one center per day.
ONLINE_APPLICATION_MAX_BYTES = env.int("ONLINE_APPLICATION_MAX_BYTES", default=30 * 1024 * 1024)
ONLINE_UPLOAD_DAILY_BYTES = env.int("ONLINE_UPLOAD_DAILY_BYTES", default=2 * 1024 * 1024 * 1024)

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Resident ID numbers and mobile numbers are masked in every record (security, issue 7).
    "filters": {"personal_data": {"()": "cityplatform.logfilters.PersonalDataFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failures and lockouts; every attempt is in the audit log
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

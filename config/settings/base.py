"""Settings shared by every environment, read from the environment (django-environ)."""

from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

INSECURE_SECRET_KEY = "django-insecure-dx-tracker-development-only"  # noqa: S105 - refused in production
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=INSECURE_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "core",
    "accounts",
    "targets",
    "parks",
    "enterprises",
    "reporting",
    "progress",
    "exchange",
    "demo",
    "import_export",
]

MIDDLEWARE = [
    "core.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.security.PermissionsPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.policy",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the dev server and eager tasks share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compiling costs more than it saves on this product's page-sized queries.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
SILENCED_SYSTEM_CHECKS = ["models.W040"]  # covering index is PostgreSQL-only; SQLite ignores it
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfiles.PlotlyFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

# --- evidence files (docs/decisions/0017-evidence-files.md) --------------------------------
# Certificates behind reported items: on the local file system under MEDIA_ROOT/evidence/
# (the embedded default, and what `make backup` archives), or in an S3-compatible object
# store (django-storages) with DX_EVIDENCE_STORAGE=s3. Never served as public media: every
# download goes through a view that asks the access policy.
DX_EVIDENCE_STORAGE = env.str("DX_EVIDENCE_STORAGE", default="local")
if DX_EVIDENCE_STORAGE == "s3":
    EVIDENCE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("DX_EVIDENCE_BUCKET", default="dx-evidence"),
            # MinIO or another S3-compatible store; unset for AWS itself.
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": "evidence",
            "default_acl": None,  # private objects: the bucket's own policy applies
            "file_overwrite": False,
            "querystring_auth": True,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path"),
        },
        # AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are read from the environment by
        # django-storages itself.
    }
else:
    EVIDENCE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(str(MEDIA_ROOT)) / "evidence", "base_url": None},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "evidence": EVIDENCE_STORAGE,
}
# Each evidence file may be this large (PDF, JPEG, PNG or OFD, checked by content).
DX_EVIDENCE_MAX_BYTES = env.int("DX_EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# When nginx fronts the app, downloads are handed to it: the response names the file under
# this internal location (e.g. /protected-evidence/, an `internal` alias of
# MEDIA_ROOT/evidence/) instead of streaming it through gunicorn. Local storage only.
DX_EVIDENCE_ACCEL_REDIRECT = env.str("DX_EVIDENCE_ACCEL_REDIRECT", default="")
# The site's address (e.g. https://dx.example.gov.cn): downloaded tables and workbooks link
# to evidence files with it in front; without it their links are paths on the site.
DX_SITE_URL = env.str("DX_SITE_URL", default="")
# Django's upload defaults hold: files above 2.5 MB (FILE_UPLOAD_MAX_MEMORY_SIZE) go to a
# temporary file, and a multipart body's files do not count in DATA_UPLOAD_MAX_MEMORY_SIZE;
# the evidence views refuse a body above DX_EVIDENCE_MAX_BYTES (plus the form's overhead)
# by its Content-Length before reading it.


def cache_config(url: str) -> dict[str, Any]:
    """The cache of a DJANGO_CACHE_URL. On Redis (which production shares with the broker),
    throttles, lockout counts and page caches fail open while Redis is down: a miss, a write
    dropped, within half a second, never a 500 (django-redis, logged; tests/ops/test_faults.py).
    """
    config: dict[str, Any] = environ.Env.cache_url_config(url)
    if not config["BACKEND"].endswith(".RedisCache"):
        return config
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": config["LOCATION"],
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
        },
    }


# Throttles, lockouts and page caches need one cache shared by every worker in production
# (DJANGO_CACHE_URL=redis://...); development and tests keep it in memory.
CACHES = {"default": cache_config(env.str("DJANGO_CACHE_URL", default="locmemcache://"))}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# A past version in the admin is read, never posted back (core.middleware refuses the POST).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- access hardening (docs/decisions/0013-access-hardening.md) ---------------------------
# Login lockout: after this many failures for one username from one address, both the login
# page and the token endpoint refuse for the cool-off time (answer 429 with a message).
AXES_FAILURE_LIMIT = env.int("DX_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("DX_LOGIN_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
AXES_HANDLER = env.str("DX_AXES_HANDLER", default="axes.handlers.database.AxesDatabaseHandler")
# Behind the proxy, the client's address comes from X-Forwarded-For (production sets
# DX_PROXY_COUNT to the number of proxies); without one, only REMOTE_ADDR is believed, so a
# client cannot dodge the lockout by sending its own X-Forwarded-For.
DX_PROXY_COUNT = env.int("DX_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = DX_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if DX_PROXY_COUNT else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False
# API tokens expire after this many days.
DX_TOKEN_DAYS = env.int("DX_TOKEN_DAYS", default=30)

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from our own
# origin only; charts' data travel as JSON in the page, never as inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # plotly.js writes the mode bar's and tooltips' rules into <style> elements it
        # creates; styles cannot run code, so inline styles are allowed, scripts never.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Features no page uses are switched off (core.security.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="dx-tracker@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,
    # Per-user and per-address limits; "login" guards the token endpoint (django-axes locks
    # an account and address out after repeated failures on top of this).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("DX_THROTTLE_ANON", default="120/min"),
        "user": env.str("DX_THROTTLE_USER", default="3000/min"),
        "login": env.str("DX_THROTTLE_LOGIN", default="30/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DX Tracker API",
    "DESCRIPTION": _(
        "Targets, reports and progress of the biomedical digital-transformation plans."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "nightly-full-rollup": {
        "task": "progress.tasks.rollup_full_rebuild_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    "rollup-sweep": {
        "task": "progress.tasks.rollup_sweep",
        "schedule": env.int("DX_ROLLUP_SWEEP_SECONDS", default=15),
    },
    "peer-stats-sweep": {
        "task": "reporting.tasks.peer_stats_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "export-sweep": {"task": "exchange.tasks.export_sweep", "schedule": 30},
    "export-cleanup": {"task": "exchange.tasks.export_cleanup", "schedule": 3600},
    "weekly-reminder-digests": {
        "task": "reporting.tasks.reminders_send_weekly",
        "schedule": crontab(day_of_week="mon", hour=8, minute=0),
    },
}

# The reporting calendar: a quarter's report opens the day after the quarter ends and is
# due on this day of the following month.
DX_REPORT_DUE_DAY = env.int("DX_REPORT_DUE_DAY", default=15)
# Incremental rollups requested within this many seconds coalesce into one run.
DX_ROLLUP_COALESCE_SECONDS = env.int("DX_ROLLUP_COALESCE_SECONDS", default=5)
# A recorded change no worker took within this many seconds is dispatched by the sweep.
DX_ROLLUP_PICKUP_SECONDS = env.int("DX_ROLLUP_PICKUP_SECONDS", default=30)
# Peer statistics (outlier flags) are refreshed this many seconds after a report changes.
DX_PEER_STATS_DELAY = env.int("DX_PEER_STATS_DELAY", default=10)
# Excel: workbooks are kept this many days; uploads are refused above these limits.
DX_EXPORT_EXPIRY_DAYS = env.int("DX_EXPORT_EXPIRY_DAYS", default=7)
DX_IMPORT_MAX_BYTES = env.int("DX_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
DX_IMPORT_MAX_ROWS = env.int("DX_IMPORT_MAX_ROWS", default=100_000)
# Tables up to this many rows download at once; bigger ones through the background job.
DX_SYNC_DOWNLOAD_MAX_ROWS = env.int("DX_SYNC_DOWNLOAD_MAX_ROWS", default=20_000)
# The public page of published figures may be kept by browsers and proxies this long.
DX_PUBLIC_MAX_AGE = env.int("DX_PUBLIC_MAX_AGE", default=300)
DX_CATALOG_PATH = BASE_DIR / "fixtures" / "catalog.json"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # One line per task run is noise when tasks run eagerly (make run, the demo seed).
    "loggers": {
        "celery.app.trace": {"level": env.str("DX_TASK_LOG_LEVEL", default="WARNING")},
        "axes": {"level": "WARNING"},
    },
}

"""Base settings, read from the environment (django-environ).

DATABASE_URL defaults to a SQLite file under var/ so a first run needs no server.
REDIS_URL (or CELERY_BROKER_URL) is optional: without it Celery tasks run eagerly in-process.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY",
                 default="dev-insecure-only-for-local-demo-and-tests-0123456789")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "portal.apps.PortalConfig",
    "pairing",
    "alliances",
    "ledger",
    "assessment",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "simple_history",
    "portal.apps.AxesConfig",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.audit.AuditContextMiddleware",
    "portal.middleware.RequestSizeLimitMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.middleware.TransientErrorMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE",
         "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )


def without_jit(options: dict) -> dict:
    """PostgreSQL connection OPTIONS with `-c jit=off` added to any `options` already there.

    JIT compiles any query whose estimate passes jit_above_cost, which at city scale includes
    a page's 20-40 ms aggregates: 15 ms of compiling on each (the home's needs trend 20 -> 35
    ms). DB_JIT=on leaves it to the server, e.g. behind a pooler that refuses startup options
    (pgbouncer): there use `ALTER ROLE ... SET jit = off`."""
    existing = options.get("options", "")
    if "jit=" in existing:
        return options
    return {**options, "options": f"{existing} -c jit=off".strip()}


if DATABASES["default"]["ENGINE"].endswith("postgresql") and not env.bool("DB_JIT", default=False):
    DATABASES["default"]["OPTIONS"] = without_jit(DATABASES["default"].get("OPTIONS", {}))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections, checked before reuse: a connection the server dropped (restart,
# failover, idle timeout) is replaced at the start of the next request instead of failing it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock an account+IP after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# With MEDIA_S3_BUCKET set, media lives on an S3-compatible store (MinIO on the intranet) that
# every web and worker host shares; without it, on the local disk under MEDIA_ROOT.
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", default="")
MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if MEDIA_S3_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "access_key": env("MEDIA_S3_ACCESS_KEY", default="") or None,
            "secret_key": env("MEDIA_S3_SECRET_KEY", default="") or None,
            "region_name": env("MEDIA_S3_REGION", default="us-east-1"),
            "verify": env("MEDIA_S3_CA_BUNDLE", default="") or None,
            "location": env("MEDIA_S3_PREFIX", default=""),
            "addressing_style": "path",
            "signature_version": "s3v4",
            # No ACL header: objects stay as private as the bucket (MinIO ignores ACLs).
            "default_acl": None,
            # Never replace a stored file: a re-upload under the same name gets a new name, so
            # deleting the old one after commit cannot delete the new one.
            "file_overwrite": False,
            # Files are served only through the portal's permission-checked views; any URL
            # built by mistake is still signed and expires rather than public.
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }
# collectstatic (make demo, the Docker image) writes content-hashed names plus gzip and brotli
# copies; whitenoise serves them compressed and, the names being hashed, cached forever as
# immutable (its WHITENOISE_MAX_AGE, 60 s, is only for unhashed names, which no page links).
# Under DEBUG the links stay unhashed and files come from the source folders. The tests render
# pages without a collectstatic: tests/conftest.py swaps in the plain storage.
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = 20 * 1024 * 1024
# portal.cleanup deletes an unused import upload, or the cached PDF of a deleted document,
# only once it is this old.
IMPORT_UPLOAD_KEEP_HOURS = env.int("IMPORT_UPLOAD_KEEP_HOURS", default=24)
PDF_CACHE_ORPHAN_KEEP_HOURS = env.int("PDF_CACHE_ORPHAN_KEEP_HOURS", default=24)
# Everything one submission uploads (one request body), refused before it is read.
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_MB", default=100) * 1024 * 1024
# Images declaring more pixels than this in their header are refused before decoding.
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_MEGAPIXELS", default=40) * 1_000_000

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content Security Policy: everything is served from this host (no CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
}

# Celery: a real broker when configured, otherwise tasks run eagerly in the web process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="")) or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Redis redelivers an unacknowledged task after the visibility timeout: longer than the
# longest job (the time limit), so a running job is never handed to a second worker; a job
# whose worker died is marked failed by the reaper long before that.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 15 * 60,
                                   "socket_connect_timeout": 3, "socket_timeout": 10,
                                   "max_retries": 1}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BEAT_SCHEDULE = {
    "reap-stale-jobs": {"task": "portal.tasks.reap_stale_jobs", "schedule": 60.0},
    # Each quarter is scored (as a draft) the day after its ledger closes.
    "score-closed-quarters": {"task": "assessment.tasks.score_closed_quarters",
                              "schedule": crontab(hour=2, minute=30)},
    # Import uploads and cached PDFs nothing refers to any more (portal.cleanup).
    "clean-media": {"task": "portal.tasks.clean_media", "schedule": crontab(hour=3, minute=15)},
}
# The default cache holds the rendered fragments of portal.fragments (home panels, compliance
# matrices): in Redis when CACHE_REDIS_URL is set (a database of its own, not the broker's:
# clearing a cache flushes its database), shared by every worker and host; otherwise in each
# process's memory. Entries are keyed by the data version, so they never outlive a change made
# through the portal; FRAGMENT_CACHE_SECONDS bounds one made outside it (0: no caching).
CACHE_REDIS_URL = env("CACHE_REDIS_URL", default="")
if CACHE_REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": CACHE_REDIS_URL,
                          "KEY_PREFIX": "portal", "TIMEOUT": 600,
                          # a cache that does not answer is skipped, not waited for
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          # a matrix page's entry can be 100+ KB: ~30 MB per worker at most
                          "OPTIONS": {"MAX_ENTRIES": 300}}}
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", default=600)
JOB_HEARTBEAT_SECONDS = env.int("JOB_HEARTBEAT_SECONDS", default=15)
JOB_STALE_AFTER_SECONDS = env.int("JOB_STALE_AFTER_SECONDS", default=120)
CELERY_TIMEZONE = TIME_ZONE

# The ledger: a month closes on this day of the next month; a reopened month stays open for
# LEDGER_REOPEN_DAYS days.
LEDGER_CLOSE_DAY = env.int("LEDGER_CLOSE_DAY", default=5)
LEDGER_REOPEN_DAYS = env.int("LEDGER_REOPEN_DAYS", default=7)
LEDGER_PHOTO_MAX_BYTES = env.int("LEDGER_PHOTO_MAX_MB", default=10) * 1024 * 1024

PDF_FONT_FAMILY = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"portal": {"level": "INFO"}},
}
